-- drafts, schedule and the publish journal: tables are added here by that feature before it ships.
SELECT 1;
