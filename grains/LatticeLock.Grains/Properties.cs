using System.Runtime.CompilerServices;

// The budget ledger's month rollover is tested directly, with a clock the test controls.
[assembly: InternalsVisibleTo("LatticeLock.IntegrationTests")]
