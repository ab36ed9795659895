using GmTools.Console;

// The staff web console: a Blazor server app that signs staff in and calls the GmTools gRPC server with
// their token. Everything it does goes through the server's RPCs, permissions, scopes and audit.
var app = ConsoleHost.Build(args);
await app.RunAsync();

/// <summary>Marker for tests.</summary>
public partial class Program;
