-- Going down drops the live reservations (they last at most a day): Orleans' key hashes for grain state cannot be
-- recomputed in SQL, so they are not written back to OrleansStorage. Budgets and spend are untouched.
DROP TABLE budget_reservations;
