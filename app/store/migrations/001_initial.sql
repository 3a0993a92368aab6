-- Schema version 1: one table per row kind, the outbox, local metadata, rejected changes, and two
-- local indexes the store keeps (contact_resident for timelines, resident_search for search).
-- Frozen: later versions add files; a database made by this one must open in every later version.

CREATE TABLE team (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    name TEXT
);
CREATE INDEX ix_team_team ON team (team);

CREATE TABLE area (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    name TEXT,
    parent_id TEXT,
    streets JSON
);
CREATE INDEX ix_area_team ON area (team);

CREATE TABLE worker (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    name TEXT,
    role TEXT,
    email TEXT
);
CREATE INDEX ix_worker_team ON worker (team);

CREATE TABLE household (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    name TEXT,
    street TEXT,
    house_number TEXT,
    primary_worker_id TEXT,
    legal_basis TEXT,
    consent_date DATE,
    note TEXT
);
CREATE INDEX ix_household_team ON household (team);
CREATE INDEX ix_household_street ON household (street);
CREATE INDEX ix_household_primary_worker_id ON household (primary_worker_id);

CREATE TABLE resident (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    household_id TEXT,
    name TEXT,
    birth_year INTEGER,
    ambitions JSON,
    talents JSON,
    obstacles JSON
);
CREATE INDEX ix_resident_team ON resident (team);
CREATE INDEX ix_resident_household_id ON resident (household_id);
CREATE INDEX ix_resident_name ON resident (name);

CREATE TABLE contact (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    at DATETIME,
    worker_id TEXT,
    street TEXT,
    lat REAL,
    lon REAL,
    resident_ids JSON,
    group_size INTEGER,
    group_label TEXT,
    channel TEXT,
    themes JSON,
    note TEXT,
    follow_up BOOLEAN
);
CREATE INDEX ix_contact_team ON contact (team);
CREATE INDEX ix_contact_at ON contact (at);
CREATE INDEX ix_contact_worker_id ON contact (worker_id);

CREATE TABLE network_person (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    name TEXT,
    organisation TEXT,
    key_figure BOOLEAN,
    offers TEXT,
    street TEXT,
    worker_id TEXT,
    note TEXT
);
CREATE INDEX ix_network_person_team ON network_person (team);
CREATE INDEX ix_network_person_name ON network_person (name);

CREATE TABLE tie (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    resident_id TEXT,
    person_id TEXT,
    kind TEXT,
    support JSON,
    strength TEXT,
    note TEXT
);
CREATE INDEX ix_tie_team ON tie (team);
CREATE INDEX ix_tie_resident_id ON tie (resident_id);
CREATE INDEX ix_tie_person_id ON tie (person_id);

CREATE TABLE activation (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    resident_id TEXT,
    person_ids JSON,
    request TEXT,
    date DATE,
    outcome TEXT,
    outcome_date DATE,
    worker_id TEXT
);
CREATE INDEX ix_activation_team ON activation (team);
CREATE INDEX ix_activation_resident_id ON activation (resident_id);

CREATE TABLE agreement (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    what TEXT,
    owner_kind TEXT,
    owner_id TEXT,
    resident_id TEXT,
    due DATE,
    status TEXT,
    contact_id TEXT,
    worker_id TEXT
);
CREATE INDEX ix_agreement_team ON agreement (team);
CREATE INDEX ix_agreement_resident_id ON agreement (resident_id);
CREATE INDEX ix_agreement_due ON agreement (due);

CREATE TABLE signal (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    street TEXT,
    area_id TEXT,
    category TEXT,
    severity INTEGER,
    status TEXT,
    note TEXT,
    at DATETIME,
    worker_id TEXT
);
CREATE INDEX ix_signal_team ON signal (team);
CREATE INDEX ix_signal_street ON signal (street);

CREATE TABLE initiative (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    title TEXT,
    street TEXT,
    carried_by TEXT,
    note TEXT,
    at DATE
);
CREATE INDEX ix_initiative_team ON initiative (team);

CREATE TABLE outcome_score (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    resident_id TEXT,
    domain TEXT,
    score INTEGER,
    date DATE,
    worker_id TEXT
);
CREATE INDEX ix_outcome_score_team ON outcome_score (team);
CREATE INDEX ix_outcome_score_resident_id ON outcome_score (resident_id);

CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    team TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX ix_outbox_row ON outbox (kind, id);

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE rejected (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    change TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE contact_resident (
    resident_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    PRIMARY KEY (resident_id, contact_id)
);
CREATE INDEX ix_contact_resident_contact ON contact_resident (contact_id);

CREATE TABLE resident_search (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    street TEXT NOT NULL
);
