-- Search folds accents and case ("ayse" finds "Ayşe", "ozturk" finds "Öztürk"): the local
-- search index holds names and streets folded by wijkweb_fold (app/store/fold.py, registered on
-- every store connection), rebuilt here from the tables. Local only: nothing is synced.
DELETE FROM resident_search;
INSERT INTO resident_search
SELECT r.id, wijkweb_fold(r.name), wijkweb_fold(h.street)
FROM resident r LEFT JOIN household h ON h.id = r.household_id
WHERE NOT r.deleted;
