global using Xunit;
global using LatticeLock.Testing;
