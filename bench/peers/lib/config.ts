/** Settings of the run that systems read (set from the command line by run.ts). */
export const benchConfig = {
  /** DBOS queue and getResult polling interval (ms); DBOS's default is 1,000. */
  dbosPollMs: 10,
};
