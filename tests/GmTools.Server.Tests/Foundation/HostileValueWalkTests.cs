using System.Collections;
using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

/// <summary>
/// The sibling of the NUL walk (issue #11 item 4): every RPC, built from the generated descriptors, gets requests with
/// one hostile scalar each — int32/int64 max and min, negative counts, enum values not defined, Timestamps past year
/// 9999 / before year 1 / with nanos out of range, Durations huge or unnormalized, repeated fields empty or 10,000 long —
/// set on top of a request that is otherwise valid where one is given (<see cref="Bases"/>), so the value reaches past
/// the first required-field check. The answer is never INTERNAL or UNKNOWN (nor a hang); a bad time is INVALID_ARGUMENT
/// naming its field; a refusal writes nothing.
/// </summary>
public sealed class HostileValueWalkTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string Server = "hv-gs";

    /// <summary>Valid requests to start from ({sanction} is filled in); an RPC not listed starts from an empty request.</summary>
    private static readonly Dictionary<string, string> Bases = new(StringComparer.Ordinal)
    {
        ["/gmtools.v1.PlayerService/SyncPlayers"] = """{"gameServerId":"hv-gs","players":[{"playerId":"p-hv-sync","account":"a","characterName":"c","level":1,"version":"1","lastLoginAt":"2026-11-23T08:00:00Z"}]}""",
        ["/gmtools.v1.PlayerService/SearchPlayers"] = """{"namePrefix":"p","pageSize":10}""",
        ["/gmtools.v1.PlayerService/AddPlayerNote"] = """{"playerId":"p-hv","kind":"PLAYER_NOTE_KIND_OTHER","text":"x"}""",
        ["/gmtools.v1.GameLinkService/PullCommands"] = """{"gameServerId":"hv-gs","maxCommands":10}""",
        ["/gmtools.v1.GameLinkService/AckCommands"] = """{"gameServerId":"hv-gs","acks":[{"commandId":"1","success":true}]}""",
        ["/gmtools.v1.SanctionService/CheckAccess"] = """{"playerId":"p-hv","gameServerId":"hv-gs"}""",
        ["/gmtools.v1.SanctionService/IssueSanction"] = """{"playerId":"p-hv","kind":"SANCTION_KIND_MUTE","scope":{"gameServerId":"hv-gs"},"end":{"duration":"3600s"},"reasonCode":"chat_abuse","reason":"r","overrideReason":"o"}""",
        ["/gmtools.v1.SanctionService/ChangeSanctionEnd"] = """{"sanctionId":"{sanction}","end":{"duration":"7200s"},"reason":"r"}""",
        ["/gmtools.v1.SanctionService/ListSanctions"] = """{"playerId":"p-hv","includeHistory":true}""",
        ["/gmtools.v1.SanctionService/ProposeSanction"] = """{"playerId":"p-hv","kind":"SANCTION_KIND_BAN","reasonCode":"cheating"}""",
        ["/gmtools.v1.SanctionService/PreviewBulkSanction"] = """{"playerIds":["p-hv"],"kind":"SANCTION_KIND_MUTE","scope":{"gameServerId":"hv-gs"},"end":{"duration":"3600s"},"reasonCode":"chat_abuse","reason":"r"}""",
        ["/gmtools.v1.AuditService/ListAuditRecords"] = """{"from":"2026-01-01T00:00:00Z","to":"2027-01-01T00:00:00Z","pageSize":10}""",
        ["/gmtools.v1.RewardService/CreateGrant"] = """{"idempotencyKey":"hv","lines":[{"itemId":"hv.gold","count":"1"}],"playerIds":["p-hv"],"reason":"r","mailTitle":"t"}""",
        ["/gmtools.v1.RewardService/ListGrants"] = """{"pageSize":10}""",
        ["/gmtools.v1.RewardService/CreateCampaign"] = """{"lines":[{"itemId":"hv.gold","count":"1"}],"reason":"r","mailTitle":"t","incidentWindow":{"gameServerId":"hv-gs","start":"2026-11-23T07:00:00Z","end":"2026-11-23T08:00:00Z"}}""",
        ["/gmtools.v1.RewardService/ListCampaigns"] = """{"pageSize":10}""",
        ["/gmtools.v1.AnnouncementService/CreateAnnouncement"] = """{"spec":{"texts":[{"locale":"en","text":"Maintenance in {minutes}"}],"display":"ANNOUNCEMENT_DISPLAY_MARQUEE","targets":{"gameServerIds":["hv-gs"]},"start":"2026-11-24T08:00:00Z","end":"2026-11-24T10:00:00Z","priority":1,"countdown":{"maintenanceAt":"2026-11-24T09:00:00Z","offsetsMinutes":[30,10],"finalTexts":[{"locale":"en","text":"now"}]}},"publish":false,"reason":"r"}""",
        ["/gmtools.v1.AnnouncementService/PreviewAnnouncement"] = """{"spec":{"texts":[{"locale":"en","text":"x"}],"display":"ANNOUNCEMENT_DISPLAY_MARQUEE","targets":{"gameServerIds":["hv-gs"]},"start":"2026-11-24T08:00:00Z","end":"2026-11-24T10:00:00Z","repeatInterval":"600s"},"from":"2026-11-24T08:00:00Z","until":"2026-11-24T09:00:00Z"}""",
        ["/gmtools.v1.AnnouncementService/ListAnnouncements"] = """{"pageSize":10}""",
        ["/gmtools.v1.AnnouncementService/ListActiveAnnouncements"] = """{"gameServerId":"hv-gs","locale":"en"}""",
        ["/gmtools.v1.ChatWatchService/IngestChat"] = """{"gameServerId":"hv-gs","batchId":"1","lines":[{"lineId":"hv-1","channel":"CHAT_CHANNEL_WORLD","senderPlayerId":"p-hv","text":"aGVsbG8=","sentAt":"2026-11-23T08:00:00Z"}]}""",
        ["/gmtools.v1.ChatWatchService/ListRecentChat"] = """{"gameServerId":"hv-gs","channel":"CHAT_CHANNEL_WORLD","pageSize":10}""",
        ["/gmtools.v1.ChatWatchService/ListHotChatOffenders"] = """{"gameServerId":"hv-gs","limit":10}""",
        ["/gmtools.v1.ChatWatchService/ListChatReviews"] = """{"pageSize":10}""",
        ["/gmtools.v1.ChatWatchService/ListChatRuleVersions"] = """{"pageSize":10}""",
        ["/gmtools.v1.ChatWatchService/DryRunChatRules"] = """{"lines":["hello"],"proposed":{"categories":[{"name":"ads"}],"terms":[{"text":"goldsale","category":"ads"}],"policies":[{"name":"p","category":"ads","lines":3,"window":"600s","sanctionKind":"mute","reasonCode":"gold_selling"}],"flood":{"maxLines":5,"window":"10s"},"wave":{"minSenders":3,"window":"60s","minLength":4}}}""",
        ["/gmtools.v1.VipCareService/PutVipTiers"] = """{"tiers":[{"name":"silver","minRecharge":"10"},{"name":"gold","minRecharge":"20"}],"expectedVersion":"999","note":"n"}""",
        ["/gmtools.v1.VipCareService/PutVisitRule"] = """{"reason":"VISIT_REASON_PERIODIC","tier":"gold","after":"86400s","dueWithin":"3600s","active":true,"note":"n"}""",
        ["/gmtools.v1.VipCareService/RecordVisitOutcome"] = """{"visitId":"1","outcome":"VISIT_OUTCOME_CALL_BACK","satisfaction":0,"callBackAt":"2026-11-23T10:00:00Z","notes":"n"}""",
        ["/gmtools.v1.VipCareService/ListVisits"] = """{"pageSize":10,"state":"VISIT_STATE_OPEN"}""",
        ["/gmtools.v1.VipCareService/GetVisitReport"] = """{"groupBy":"VISIT_REPORT_GROUPING_WEEK","from":"2026-11-01T00:00:00Z","to":"2026-11-23T00:00:00Z"}""",
        ["/gmtools.v1.VipCareService/GetReachRates"] = """{"tier":"gold","from":"2026-11-01T00:00:00Z","to":"2026-11-23T00:00:00Z"}""",
        ["/gmtools.v1.StaffingService/SetAgentCapacity"] = """{"staffId":"hv-agent","dailyCapacity":5,"reason":"r"}""",
        ["/gmtools.v1.ChatWatchService/ImportChatRules"] = """{"rules":{"categories":[{"name":"ads"}],"terms":[{"text":"goldsale","category":"ads"}],"policies":[{"name":"p","category":"ads","lines":3,"window":"600s","sanctionKind":"mute","reasonCode":"gold_selling","duration":"3600s"}],"flood":{"maxLines":5,"window":"10s"},"wave":{"minSenders":3,"window":"60s","minLength":4}},"note":"n","expectedVersion":"999"}""",
    };

    /// <summary>RPCs not walked this way, each with the reason.</summary>
    private static readonly Dictionary<string, string> NotWalked = new(StringComparer.Ordinal)
    {
        ["/gmtools.v1.GameLinkService/Connect"] = "a conversation (hello first, then acks); its hostile values are walked by GameLinkPermissionTests / EdgeGuardTests on the stream",
    };

    private static readonly Timestamp[] BadTimes =
    [
        new() { Seconds = 253_402_300_800 }, // year 10000
        new() { Seconds = -62_135_596_801 }, // before year 1
        new() { Seconds = 0, Nanos = 1_000_000_000 },
        new() { Seconds = 0, Nanos = -1 },
        new() { Seconds = long.MaxValue },
    ];

    private static readonly Duration[] BadDurations =
    [
        new() { Seconds = 315_576_000_000 }, // 10,000 years
        new() { Seconds = 1, Nanos = -1 }, // unnormalized
        new() { Seconds = long.MinValue },
    ];

    [Fact]
    public async Task Hostile_values_in_every_field_of_every_rpc_never_answer_internal_and_a_refusal_writes_nothing()
    {
        var admin = fx.Server.Channel(fx.Token("ada-hv", Role.Admin));
        var gameServer = fx.Server.Channel(await fx.GameServerCredentialAsync(Server));
        await fx.AddPlayerAsync("p-hv", Server);
        var sanction = (await fx.Staff("gm-hv").IssueSanctionAsync(SanctionsKit.Ban("p-hv", SanctionsKit.OnServer(Server)))).Sanction.SanctionId;
        await new RewardService.RewardServiceClient(admin).UpsertCatalogueItemAsync(new UpsertCatalogueItemRequest
        {
            Item = new CatalogueItem { ItemId = "hv.gold", Name = "gold", Kind = ItemKind.Currency, UnitValue = 1, Active = true }, Reason = "r",
        });

        var methods = fx.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => (Grpc: e.Metadata.GetMetadata<GrpcMethodMetadata>(), Permission: e.Metadata.GetMetadata<RequiresPermissionAttribute>()?.Permission))
            .Where(x => x.Grpc is not null && x.Permission is not null && !NotWalked.ContainsKey(x.Grpc.Method.FullName))
            .DistinctBy(x => x.Grpc!.Method.FullName)
            .OrderBy(x => x.Grpc!.Method.FullName, StringComparer.Ordinal)
            .ToList();
        Assert.All(Bases.Keys.Concat(NotWalked.Keys), name => Assert.Contains(methods.Select(m => m.Grpc!.Method.FullName).Concat(NotWalked.Keys), m => m == name));

        var counts = await RowCountQueryAsync();
        var failures = new List<string>();
        var probes = 0;
        foreach (var (grpc, permission) in methods)
        {
            var name = grpc!.Method.FullName;
            var descriptor = RequestProbes.Method(name);
            var channel = PermissionTable.Allows([Role.Admin], permission!) ? admin : gameServer;
            var json = Bases.TryGetValue(name, out var b) ? b.Replace("{sanction}", sanction.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) : "{}";
            var baseRequest = JsonParser.Default.Parse(json, descriptor.InputType);
            foreach (var (request, path, isTime) in Probes(baseRequest))
            {
                probes++;
                var before = await RowCountsAsync(counts);
                var (status, fields) = await CallAsync(channel, descriptor, request);
                if (status is StatusCode.Internal or StatusCode.Unknown || (status == StatusCode.DeadlineExceeded && !descriptor.IsServerStreaming))
                {
                    failures.Add($"{name} {path}: {status}");
                }
                else if (isTime && (status != StatusCode.InvalidArgument || !fields.Contains(path)))
                {
                    failures.Add($"{name} {path}: {status} [{string.Join(", ", fields)}], expected INVALID_ARGUMENT naming {path}");
                }
                if (status != StatusCode.OK && await RowCountsAsync(counts) != before)
                {
                    failures.Add($"{name} {path}: refused with {status} but something was written");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {probes} probes:\n" + string.Join("\n", failures));
        Assert.True(probes > 400, $"only {probes} probes");
    }

    /// <summary>One request per (field path, hostile value): the base with only that value changed.</summary>
    private static IEnumerable<(IMessage Request, string Path, bool IsTime)> Probes(IMessage baseRequest)
    {
        foreach (var (route, path) in Routes(baseRequest.Descriptor, [], "", 4))
        {
            var leaf = route[^1];
            foreach (var value in HostileValues(leaf))
            {
                var request = Copy(baseRequest);
                var (owner, _) = Walk(request, route);
                var isTime = leaf.FieldType == FieldType.Message && !leaf.IsRepeated;
                if (leaf.IsRepeated)
                {
                    var list = (IList)leaf.Accessor.GetValue(owner);
                    var first = list.Count > 0 ? list[0] : null;
                    list.Clear();
                    if (value is int size)
                    {
                        for (var i = 0; i < size; i++)
                        {
                            list.Add(Element(leaf, first, i));
                        }
                    }
                    yield return (request, $"{path} ({(value is int n ? n : 0)} items)", false);
                    continue;
                }
                leaf.Accessor.SetValue(owner, value);
                yield return (request, path, isTime);
            }
        }
    }

    /// <summary>Paths to every scalar, time and repeated field (intermediate repeated messages through their first item).</summary>
    private static IEnumerable<(FieldDescriptor[] Route, string Path)> Routes(MessageDescriptor d, FieldDescriptor[] route, string prefix, int depth)
    {
        if (depth == 0)
        {
            yield break;
        }
        foreach (var f in d.Fields.InFieldNumberOrder().Where(f => !f.IsMap))
        {
            var here = route.Append(f).ToArray();
            var path = prefix + f.Name;
            if (f.IsRepeated)
            {
                yield return (here, path);
            }
            if (f.FieldType == FieldType.Message && f.MessageType.FullName is "google.protobuf.Timestamp" or "google.protobuf.Duration")
            {
                if (!f.IsRepeated)
                {
                    yield return (here, path);
                }
                continue;
            }
            if (f.FieldType == FieldType.Message)
            {
                foreach (var nested in Routes(f.MessageType, here, path + (f.IsRepeated ? "[0]." : "."), depth - 1))
                {
                    yield return nested;
                }
            }
            else if (!f.IsRepeated && f.FieldType is not (FieldType.String or FieldType.Bool or FieldType.Bytes))
            {
                yield return (here, path);
            }
        }
    }

    private static IEnumerable<object> HostileValues(FieldDescriptor f)
    {
        if (f.IsRepeated)
        {
            return [0, 10_000];
        }
        return f.FieldType switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => [int.MaxValue, int.MinValue, -1],
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => [long.MaxValue, long.MinValue, -1L],
            FieldType.UInt32 or FieldType.Fixed32 => [uint.MaxValue],
            FieldType.UInt64 or FieldType.Fixed64 => [ulong.MaxValue],
            FieldType.Double => [double.NaN, double.MaxValue, -1d],
            FieldType.Float => [float.NaN, float.MaxValue, -1f],
            FieldType.Enum => [999, -1],
            FieldType.Message when f.MessageType.FullName == "google.protobuf.Timestamp" => BadTimes.Select(t => (object)t.Clone()),
            FieldType.Message when f.MessageType.FullName == "google.protobuf.Duration" => BadDurations.Select(t => (object)t.Clone()),
            _ => [],
        };
    }

    private static IMessage Copy(IMessage m) => m.Descriptor.Parser.ParseFrom(m.ToByteString());

    /// <summary>The message that owns the route's last field, creating (or taking the first item of) each message on the way.</summary>
    private static (IMessage Owner, FieldDescriptor Leaf) Walk(IMessage request, FieldDescriptor[] route)
    {
        var owner = request;
        foreach (var f in route[..^1])
        {
            if (f.IsRepeated)
            {
                var list = (IList)f.Accessor.GetValue(owner);
                if (list.Count == 0)
                {
                    list.Add(RequestProbes.New(f.MessageType));
                }
                owner = (IMessage)list[0]!;
            }
            else
            {
                if (f.Accessor.GetValue(owner) is not IMessage nested)
                {
                    nested = RequestProbes.New(f.MessageType);
                    f.Accessor.SetValue(owner, nested);
                }
                owner = nested;
            }
        }
        return (owner, route[^1]);
    }

    /// <summary>Item <paramref name="i"/> of a 10,000-long list: distinct strings, copies of the base's first item, or zeros.</summary>
    private static object Element(FieldDescriptor f, object? first, int i) => f.FieldType switch
    {
        FieldType.String => $"hv-{i.ToString(CultureInfo.InvariantCulture)}",
        FieldType.Message => first is IMessage m ? Copy(m) : RequestProbes.New(f.MessageType),
        FieldType.Bytes => ByteString.Empty,
        FieldType.Bool => false,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)i,
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)i,
        FieldType.UInt32 or FieldType.Fixed32 => (uint)i,
        FieldType.Double => (double)i,
        FieldType.Float => (float)i,
        _ => i,
    };

    private static async Task<(StatusCode Status, List<string> Fields)> CallAsync(Grpc.Net.Client.GrpcChannel channel, MethodDescriptor method, IMessage request)
    {
        var (status, _, refusal) = await ScopeWalkTests.CallAnyAsync(channel, method, request, streamSeconds: 2);
        return (status, refusal?.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? []);
    }

    /// <summary>One statement counting the rows of every table a call might write (job tables and refusal records aside).</summary>
    private async Task<string> RowCountQueryAsync()
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var list = new NpgsqlCommand("""
            SELECT tablename FROM pg_tables WHERE schemaname = 'public'
              AND tablename NOT LIKE 'qrtz%' AND tablename NOT IN ('access_denials', '__EFMigrationsHistory', 'audit_chain_head', 'audit_checkpoints')
            ORDER BY tablename
            """, conn);
        var parts = new List<string>();
        await using var reader = await list.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var table = reader.GetString(0);
            var filter = table == "audit_records" ? " WHERE outcome <> 'denied'" : "";
            parts.Add($"'{table}:' || (SELECT count(*) FROM \"{table}\"{filter})");
        }
        return "SELECT " + string.Join(" || ',' || ", parts);
    }

    private async Task<string> RowCountsAsync(string query)
    {
        await using var conn = new NpgsqlConnection(fx.Postgres);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(query, conn);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}
