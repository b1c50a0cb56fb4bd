global using Xunit;
global using LatticeLock.Testing;
global using LatticeLock.Testing.Faults;
