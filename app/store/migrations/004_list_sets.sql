-- Sync protocol 2: list fields (dreams, talents, themes, …) are add-wins sets. Each row keeps,
-- per list field, its items map (item -> device -> [added, removed]; sync_server/protocol.py) in
-- the new column `sets`; the field's own column keeps the list as shown. A list stored before
-- becomes the items its register's stamp added (a field never stamped: a stamp of no device),
-- so nothing shown changes. Unsent changes (outbox) and set-aside ones (rejected) that carry a
-- whole list become the adds of that list: a removal made offline before the update and not
-- yet sent is not sent (the item stays), an addition is never lost.

ALTER TABLE team ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE area ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE worker ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE household ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE resident ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contact ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE network_person ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tie ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE activation ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE agreement ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE signal ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE initiative ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE outcome_score ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE handover ADD COLUMN sets TEXT NOT NULL DEFAULT '{}';

-- area: streets
UPDATE area SET sets = (SELECT json_object(
    'streets', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.streets, 18), json_array(substr(s.streets, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(area.streets)) j)))
    FROM (SELECT
        coalesce(json_extract(area.stamps, '$.streets'), '0000000000000000@none') AS streets) s);

-- resident: ambitions, talents, obstacles
UPDATE resident SET sets = (SELECT json_object(
    'ambitions', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.ambitions, 18), json_array(substr(s.ambitions, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(resident.ambitions)) j)),
    'talents', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.talents, 18), json_array(substr(s.talents, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(resident.talents)) j)),
    'obstacles', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.obstacles, 18), json_array(substr(s.obstacles, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(resident.obstacles)) j)))
    FROM (SELECT
        coalesce(json_extract(resident.stamps, '$.ambitions'), '0000000000000000@none') AS ambitions,
        coalesce(json_extract(resident.stamps, '$.talents'), '0000000000000000@none') AS talents,
        coalesce(json_extract(resident.stamps, '$.obstacles'), '0000000000000000@none') AS obstacles) s);

-- contact: resident_ids, themes
UPDATE contact SET sets = (SELECT json_object(
    'resident_ids', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.resident_ids, 18), json_array(substr(s.resident_ids, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(contact.resident_ids)) j)),
    'themes', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.themes, 18), json_array(substr(s.themes, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(contact.themes)) j)))
    FROM (SELECT
        coalesce(json_extract(contact.stamps, '$.resident_ids'), '0000000000000000@none') AS resident_ids,
        coalesce(json_extract(contact.stamps, '$.themes'), '0000000000000000@none') AS themes) s);

-- tie: support
UPDATE tie SET sets = (SELECT json_object(
    'support', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.support, 18), json_array(substr(s.support, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(tie.support)) j)))
    FROM (SELECT
        coalesce(json_extract(tie.stamps, '$.support'), '0000000000000000@none') AS support) s);

-- activation: person_ids
UPDATE activation SET sets = (SELECT json_object(
    'person_ids', json((
        SELECT json_group_object(j.value, json_object(
            substr(s.person_ids, 18), json_array(substr(s.person_ids, 1, 16), NULL)))
        FROM (SELECT DISTINCT value FROM json_each(activation.person_ids)) j)))
    FROM (SELECT
        coalesce(json_extract(activation.stamps, '$.person_ids'), '0000000000000000@none') AS person_ids) s);

-- outbox: a whole list becomes its adds
UPDATE outbox SET fields = json_set(fields, '$.streets[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.streets[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.streets[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.streets[0]')) j)))
WHERE kind = 'area' AND json_type(fields, '$.streets[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.ambitions[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.ambitions[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.ambitions[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.ambitions[0]')) j)))
WHERE kind = 'resident' AND json_type(fields, '$.ambitions[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.talents[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.talents[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.talents[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.talents[0]')) j)))
WHERE kind = 'resident' AND json_type(fields, '$.talents[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.obstacles[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.obstacles[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.obstacles[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.obstacles[0]')) j)))
WHERE kind = 'resident' AND json_type(fields, '$.obstacles[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.resident_ids[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.resident_ids[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.resident_ids[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.resident_ids[0]')) j)))
WHERE kind = 'contact' AND json_type(fields, '$.resident_ids[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.themes[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.themes[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.themes[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.themes[0]')) j)))
WHERE kind = 'contact' AND json_type(fields, '$.themes[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.support[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.support[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.support[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.support[0]')) j)))
WHERE kind = 'tie' AND json_type(fields, '$.support[0]') = 'array';
UPDATE outbox SET fields = json_set(fields, '$.person_ids[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(outbox.fields,
            '$.person_ids[1]'), 18), 
        json_array(substr(json_extract(outbox.fields, '$.person_ids[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(outbox.fields, '$.person_ids[0]')) j)))
WHERE kind = 'activation' AND json_type(fields, '$.person_ids[0]') = 'array';

-- rejected: a whole list becomes its adds
UPDATE rejected SET change = json_set(change, '$.fields.streets[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.streets[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.streets[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.streets[0]')) j)))
WHERE kind = 'area' AND json_type(change, '$.fields.streets[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.ambitions[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.ambitions[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.ambitions[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.ambitions[0]')) j)))
WHERE kind = 'resident' AND json_type(change, '$.fields.ambitions[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.talents[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.talents[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.talents[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.talents[0]')) j)))
WHERE kind = 'resident' AND json_type(change, '$.fields.talents[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.obstacles[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.obstacles[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.obstacles[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.obstacles[0]')) j)))
WHERE kind = 'resident' AND json_type(change, '$.fields.obstacles[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.resident_ids[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.resident_ids[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.resident_ids[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.resident_ids[0]')) j)))
WHERE kind = 'contact' AND json_type(change, '$.fields.resident_ids[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.themes[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.themes[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.themes[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.themes[0]')) j)))
WHERE kind = 'contact' AND json_type(change, '$.fields.themes[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.support[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.support[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.support[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.support[0]')) j)))
WHERE kind = 'tie' AND json_type(change, '$.fields.support[0]') = 'array';
UPDATE rejected SET change = json_set(change, '$.fields.person_ids[0]', json((
    SELECT json_group_object(j.value, json_object(
        substr(json_extract(rejected.change,
            '$.fields.person_ids[1]'), 18), 
        json_array(substr(json_extract(rejected.change, '$.fields.person_ids[1]'), 1, 16), NULL)))
    FROM (SELECT DISTINCT value FROM json_each(rejected.change, '$.fields.person_ids[0]')) j)))
WHERE kind = 'activation' AND json_type(change, '$.fields.person_ids[0]') = 'array';
