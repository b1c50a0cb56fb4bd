global using Xunit;
global using LatticeLock.Tests.Infrastructure;
