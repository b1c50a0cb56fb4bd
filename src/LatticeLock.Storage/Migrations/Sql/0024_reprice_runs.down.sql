DROP TABLE reprice_run_sessions;
DROP TABLE reprice_runs;
DROP TABLE cost_corrections;
DROP TABLE cost_reprice_state;
