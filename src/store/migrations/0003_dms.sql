-- conversations and messages cache: tables are added here by that feature before it ships.
SELECT 1;
