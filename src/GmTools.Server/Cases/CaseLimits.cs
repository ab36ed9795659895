namespace GmTools.Server.Cases;

/// <summary>Every bound of a case, shared by the edge validation and the EF configuration.</summary>
public static class CaseLimits
{
    public const int Kind = 32;
    public const int KindCount = 32;
    public const int State = 24;
    public const int Channel = 16;
    public const int Priority = 16;
    public const int Summary = 200;
    public const int Description = 4000;
    public const int NoteText = 4000;
    public const int AttachmentRef = 512;
    public const int Attachments = 10;
    public const int Reason = 500;
    public const int Level = 32;

    /// <summary>A record's short fields (item, payment channel, order reference, game area, client version).</summary>
    public const int RecordField = 128;
    public const int Location = 256;
    public const int Currency = 3;

    public const int LinkKind = 16;
    /// <summary>A linked object's id: a decimal id, a visit id or a chat line id (ChatLimits.LineId).</summary>
    public const int LinkObjectId = 64;

    /// <summary>GetCase shows at most this many links, and as many things made from the case.</summary>
    public const int LinksShown = 200;

    /// <summary>GetCase shows at most this many notes (the newest).</summary>
    public const int NotesShown = 200;
}
