namespace GmTools.Server.Cases;

/// <summary>
/// The record fields a kind may require, by their proto names (CaseRecord), each with what "given" means. Kinds
/// name these in configuration; a name not listed here stops the process at start.
/// </summary>
public static class CaseRecordFields
{
    public const string Account = "account";
    public const string GameServerId = "game_server_id";
    public const string CharacterName = "character_name";
    public const string EventTime = "event_time";
    public const string Contact = "contact";
    public const string ItemName = "item_name";
    public const string Location = "location";
    public const string PaymentChannel = "payment_channel";
    public const string OrderReference = "order_reference";
    public const string Amount = "amount";
    public const string Currency = "currency";
    public const string PaymentTime = "payment_time";
    public const string GameArea = "game_area";
    public const string ClientVersion = "client_version";

    private static readonly Dictionary<string, Func<CaseRecordSpec, bool>> Given = new(StringComparer.Ordinal)
    {
        [Account] = r => !string.IsNullOrWhiteSpace(r.Account),
        [GameServerId] = r => !string.IsNullOrWhiteSpace(r.GameServerId),
        [CharacterName] = r => !string.IsNullOrWhiteSpace(r.CharacterName),
        [EventTime] = r => r.EventAt is not null,
        [Contact] = r => !string.IsNullOrWhiteSpace(r.Contact),
        [ItemName] = r => !string.IsNullOrWhiteSpace(r.ItemName),
        [Location] = r => !string.IsNullOrWhiteSpace(r.Location),
        [PaymentChannel] = r => !string.IsNullOrWhiteSpace(r.PaymentChannel),
        [OrderReference] = r => !string.IsNullOrWhiteSpace(r.OrderReference),
        [Amount] = r => r.Amount != 0,
        [Currency] = r => !string.IsNullOrWhiteSpace(r.Currency),
        [PaymentTime] = r => r.PaidAt is not null,
        [GameArea] = r => !string.IsNullOrWhiteSpace(r.GameArea),
        [ClientVersion] = r => !string.IsNullOrWhiteSpace(r.ClientVersion),
    };

    public static IReadOnlyCollection<string> All => Given.Keys;

    public static bool IsKnown(string name) => Given.ContainsKey(name);

    /// <summary>The required fields this record leaves empty, in the order they are required.</summary>
    public static IReadOnlyList<string> Missing(CaseRecordSpec record, IEnumerable<string> required) =>
        [.. required.Where(f => Given.TryGetValue(f, out var given) && !given(record))];
}
