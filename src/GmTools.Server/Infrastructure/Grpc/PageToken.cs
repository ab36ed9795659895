using System.Buffers.Text;
using System.Text;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>Opaque cursor tokens: callers hand back what they were given and never build one by hand.</summary>
public static class PageToken
{
    public const int DefaultPageSize = 100;

    public static string Encode(string cursor) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(cursor));

    public static string? Decode(string token, string field)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw GrpcErrors.InvalidArgument(field, "is not a token this server issued");
        }
    }

    /// <summary>Applies the default and checks the bound; 0 means "the default".</summary>
    public static int Size(int requested, int max, string field = "page_size")
    {
        if (requested < 0 || requested > max)
        {
            throw GrpcErrors.InvalidArgument(field, $"must be between 1 and {max}");
        }
        return requested == 0 ? Math.Min(DefaultPageSize, max) : requested;
    }
}
