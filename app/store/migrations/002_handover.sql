-- Warm handover: one row per household handed to a new primary worker; the new worker's device
-- shows its summary until they mark it seen.
CREATE TABLE handover (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    stamps TEXT NOT NULL DEFAULT '{}',
    household_id TEXT,
    from_worker_id TEXT,
    to_worker_id TEXT,
    by_worker_id TEXT,
    at DATETIME,
    seen BOOLEAN
);
CREATE INDEX ix_handover_team ON handover (team);
CREATE INDEX ix_handover_household_id ON handover (household_id);
CREATE INDEX ix_handover_to_worker_id ON handover (to_worker_id);
