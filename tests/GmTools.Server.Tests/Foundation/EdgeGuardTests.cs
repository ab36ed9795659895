using System.Collections;
using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

/// <summary>Request messages of the contracts, and probes that put one bad string at one field path each.</summary>
internal static class RequestProbes
{
    public const string Nul = "bad\0value";

    public static readonly IReadOnlyList<FileDescriptor> Files = typeof(PlayerService).Assembly.GetTypes()
        .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        .Where(p => p?.PropertyType == typeof(FileDescriptor))
        .Select(p => (FileDescriptor)p!.GetValue(null)!)
        .ToList();

    public static MethodDescriptor Method(string fullName) =>
        Files.SelectMany(f => f.Services).SelectMany(s => s.Methods).Single(m => $"/{m.Service.FullName}/{m.Name}" == fullName);

    public static IMessage New(MessageDescriptor d) => d.Parser.ParseFrom(ByteString.Empty);

    /// <summary>
    /// One message per string reachable from <paramref name="d"/> (down to <paramref name="depth"/> levels), holding
    /// <paramref name="bad"/> at that path only. Repeated fields get a clean first element so indexes are checked.
    /// </summary>
    public static IEnumerable<(IMessage Message, string Path)> Of(MessageDescriptor d, string bad = Nul, int depth = 4)
    {
        if (depth == 0)
        {
            yield break;
        }
        foreach (var f in d.Fields.InFieldNumberOrder())
        {
            foreach (var (value, path) in ValuesFor(f, bad, depth))
            {
                var m = New(d);
                if (f.IsMap)
                {
                    var map = (IDictionary)f.Accessor.GetValue(m);
                    var (key, v) = ((object, object))value;
                    map[key] = v;
                }
                else if (f.IsRepeated)
                {
                    var list = (IList)f.Accessor.GetValue(m);
                    list.Add(Clean(f));
                    list.Add(value);
                }
                else
                {
                    f.Accessor.SetValue(m, value);
                }
                yield return (m, f.Name + path);
            }
        }
    }

    private static IEnumerable<(object Value, string Path)> ValuesFor(FieldDescriptor f, string bad, int depth)
    {
        var index = f.IsRepeated && !f.IsMap ? "[1]" : "";
        if (f.IsMap)
        {
            var keyField = f.MessageType.FindFieldByNumber(1);
            var valueField = f.MessageType.FindFieldByNumber(2);
            if (keyField.FieldType == FieldType.String)
            {
                yield return (((object)bad, Clean(valueField)), " key");
                if (valueField.FieldType == FieldType.String)
                {
                    yield return (((object)"en", (object)bad), "[\"en\"]");
                }
            }
            yield break;
        }
        if (f.FieldType == FieldType.String)
        {
            yield return (bad, index);
        }
        else if (f.FieldType == FieldType.Message)
        {
            foreach (var (nested, path) in Of(f.MessageType, bad, depth - 1))
            {
                yield return (nested, index + "." + path);
            }
        }
    }

    private static object Clean(FieldDescriptor f) => f.FieldType switch
    {
        FieldType.String => "ok",
        FieldType.Message => New(f.MessageType),
        FieldType.Bool => false,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 0,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt32 or FieldType.Fixed32 => 0U,
        FieldType.UInt64 or FieldType.Fixed64 => 0UL,
        FieldType.Double => 0d,
        FieldType.Float => 0f,
        FieldType.Bytes => ByteString.Empty,
        FieldType.Enum => 0,
        _ => throw new NotSupportedException(f.FieldType.ToString()),
    };
}

public sealed class RequestStringsTests
{
    private static List<string> Check(IMessage m, int max = 100)
    {
        var v = new Violations();
        RequestStrings.Check(m, max, v);
        try
        {
            v.ThrowIfAny();
            return [];
        }
        catch (RpcException ex)
        {
            return ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(x => x.Field).ToList();
        }
    }

    [Fact]
    public void Every_string_of_every_request_message_is_found_at_its_field_path()
    {
        var requests = RequestProbes.Files.SelectMany(f => f.Services).SelectMany(s => s.Methods).Select(m => m.InputType).Distinct().ToList();
        Assert.Contains(requests, r => r.Name == nameof(SyncPlayersRequest));
        var probes = requests.SelectMany(r => RequestProbes.Of(r)).ToList();
        Assert.Contains(probes, p => p.Path == "players[1].character_name");
        Assert.Contains(probes, p => p.Path == "acks.acks[1].failure_reason");
        foreach (var (message, path) in probes)
        {
            Assert.Equal([path], Check(message));
            Assert.Empty(Check(RequestProbes.New(message.Descriptor)));
        }
    }

    [Fact]
    public void The_length_bound_counts_characters_and_holds_at_the_limit()
    {
        var atLimit = new SyncPlayersRequest { Players = { new PlayerProfile { CharacterName = new string('名', 100) } } };
        Assert.Empty(Check(atLimit));
        var over = new SyncPlayersRequest { Players = { new PlayerProfile(), new PlayerProfile { CharacterName = new string('名', 101) } } };
        Assert.Equal(["players[1].character_name"], Check(over));
    }

    [Fact]
    public void Map_keys_and_values_are_checked_and_a_bad_key_is_not_repeated_back()
    {
        var announcement = new ShowAnnouncement { TextByLocale = { ["zh\0"] = "ok", ["en"] = "x\0" } };
        var fields = Check(announcement);
        Assert.Equal(["text_by_locale key", "text_by_locale[\"en\"]"], fields);
    }

    [Fact]
    public void A_flood_of_bad_strings_is_reported_briefly()
    {
        var sync = new SyncPlayersRequest();
        sync.Players.AddRange(Enumerable.Range(0, 5000).Select(_ => new PlayerProfile { PlayerId = "p\0" }));
        Assert.Equal(RequestStrings.MaxReported, Check(sync).Count);
    }
}

public sealed class EdgeGuardTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static readonly Marshaller<IMessage> Raw = Marshallers.Create<IMessage>(m => m.ToByteArray(), _ => throw new NotSupportedException());

    [Fact]
    public async Task Every_rpc_refuses_a_nul_in_any_string_field_naming_the_path_and_writes_nothing()
    {
        var admin = fx.Token("ada", Role.Admin);
        var gameServer = await fx.GameServerCredentialAsync("edge-gs");
        var methods = fx.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => (Grpc: e.Metadata.GetMetadata<GrpcMethodMetadata>(), Permission: e.Metadata.GetMetadata<RequiresPermissionAttribute>()?.Permission))
            .Where(x => x.Grpc is not null && x.Permission is not null)
            .ToList();
        Assert.Contains(methods, m => m.Grpc!.Method.FullName == "/gmtools.v1.GameLinkService/Connect");
        var before = await RowCountsAsync();
        var calls = 0;
        var failures = new List<string>();
        foreach (var (grpc, permission) in methods)
        {
            var descriptor = RequestProbes.Method(grpc!.Method.FullName);
            var caller = PermissionTable.Allows([Role.Admin], permission!) ? admin : gameServer;
            var invoker = fx.Channel(caller).CreateCallInvoker();
            var method = new Method<IMessage, IMessage>(grpc.Method.Type, descriptor.Service.FullName, descriptor.Name, Raw,
                Marshallers.Create<IMessage>(m => m.ToByteArray(), b => descriptor.OutputType.Parser.ParseFrom(b)));
            foreach (var (message, path) in RequestProbes.Of(descriptor.InputType))
            {
                calls++;
                var ex = await CallAsync(invoker, method, message);
                var fields = ex?.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList();
                if (ex?.StatusCode != StatusCode.InvalidArgument || fields is null || !fields.SequenceEqual([path]))
                {
                    failures.Add($"{grpc.Method.FullName} {path}: {ex?.StatusCode.ToString() ?? "OK"} [{string.Join(", ", fields ?? [])}]");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(calls > 50, $"only {calls} probes");
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task Each_message_a_game_server_streams_in_is_checked_not_only_the_first()
    {
        var credential = await fx.GameServerCredentialAsync("edge-stream");
        var client = new GameLinkService.GameLinkServiceClient(fx.Channel(credential));
        using var call = client.Connect();
        await call.RequestStream.WriteAsync(new ConnectRequest { Hello = new GameLinkHello { GameServerId = "edge-stream" } });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(ConnectResponse.MessageOneofCase.Welcome, call.ResponseStream.Current.MessageCase);
        await call.RequestStream.WriteAsync(new ConnectRequest { Acks = new CommandAcks { Acks = { new CommandAck { CommandId = 1, FailureReason = "no\0pe" } } } });
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(["acks.acks[0].failure_reason"], ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task An_unknown_caller_learns_only_that_it_is_unauthenticated()
    {
        var players = new PlayerService.PlayerServiceClient(fx.Channel());
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await players.GetPlayerAsync(new GetPlayerRequest { PlayerId = "p\0" }));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Huge_unit_values_and_one_letter_game_server_ids_are_refused()
    {
        var channel = fx.StaffChannel("ada", Role.Admin);
        var rewards = new RewardService.RewardServiceClient(channel);
        var unit = await Assert.ThrowsAsync<RpcException>(async () => await rewards.UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new Contracts.V1.CatalogueItem { ItemId = "gold", Name = "Gold", Kind = ItemKind.Currency, UnitValue = long.MaxValue, Active = true },
            Reason = "launch",
        }));
        Assert.Equal(StatusCode.InvalidArgument, unit.StatusCode);
        Assert.Equal(["item.unit_value"], unit.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));

        var servers = new GameServerService.GameServerServiceClient(channel);
        var id = await Assert.ThrowsAsync<RpcException>(async () => await servers.RegisterGameServerAsync(new RegisterGameServerRequest
        {
            GameServerId = "a", DisplayName = new string('x', 101), Reason = "launch",
        }));
        Assert.Equal(StatusCode.InvalidArgument, id.StatusCode);
        Assert.Equal(["game_server_id", "display_name"], id.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        foreach (var bad in new[] { "1abc", "ab-", "AB", "a_b" })
        {
            var shape = await Assert.ThrowsAsync<RpcException>(async () => await servers.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = bad, DisplayName = "X", Reason = "launch" }));
            Assert.Equal(StatusCode.InvalidArgument, shape.StatusCode);
        }
        var ok = await servers.RegisterGameServerAsync(new RegisterGameServerRequest { GameServerId = "ok-2", DisplayName = "OK", Reason = "launch" });
        Assert.Equal("ok-2", ok.GameServer.GameServerId);
        var list = await servers.ListGameServersAsync(new ListGameServersRequest());
        Assert.DoesNotContain(list.GameServers, g => g.GameServerId is "a" or "1abc" or "ab-");
    }

    private static async Task<RpcException?> CallAsync(CallInvoker invoker, Method<IMessage, IMessage> method, IMessage message)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30));
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, message);
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, message))
                    {
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }
                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        await call.RequestStream.WriteAsync(message);
                        await call.RequestStream.CompleteAsync();
                        await call.ResponseAsync;
                    }
                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, options))
                    {
                        await call.RequestStream.WriteAsync(message);
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }
                    break;
            }
            return null;
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }

    /// <summary>Rows per table, except the scheduler's own bookkeeping, which moves by itself.</summary>
    private async Task<Dictionary<string, long>> RowCountsAsync()
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        var tables = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'qrtz%' ORDER BY 1", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                tables.Add(r.GetString(0));
            }
        }
        var counts = new Dictionary<string, long>();
        foreach (var t in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{t}\"", conn);
            counts[t] = (long)(await count.ExecuteScalarAsync())!;
        }
        return counts;
    }
}
