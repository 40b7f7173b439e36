-- insights cache with fetch times: tables are added here by that feature before it ships.
SELECT 1;
