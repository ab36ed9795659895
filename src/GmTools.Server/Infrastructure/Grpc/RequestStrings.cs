using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>
/// Walks every string of a protobuf message by its descriptor — nested messages, repeated fields, oneofs and
/// map keys and values included — and reports each one that holds a NUL character (PostgreSQL text cannot
/// store it) or exceeds the global length bound. Per-RPC validation keeps the tight, meaningful bounds; this
/// is the backstop that no new field can forget. The value itself is never echoed back.
/// </summary>
public static class RequestStrings
{
    /// <summary>More violations than this are not listed: one is enough to fix, and the answer stays small.</summary>
    public const int MaxReported = 20;

    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> Plans = new();

    /// <summary>Adds a violation per bad string (up to <see cref="MaxReported"/>); true if the message is clean.</summary>
    public static bool Check(IMessage message, int maxLength, Violations violations)
    {
        var walk = new Walk(maxLength, violations);
        walk.Message(message, "");
        return walk.Found == 0;
    }

    private sealed class Walk(int maxLength, Violations violations)
    {
        public int Found { get; private set; }

        public void Message(IMessage message, string prefix)
        {
            foreach (var field in PlanFor(message.Descriptor))
            {
                if (Found >= MaxReported)
                {
                    return;
                }
                var value = field.Accessor.GetValue(message);
                var path = prefix + field.Name;
                if (field.IsMap)
                {
                    Map(field, (IDictionary)value, path);
                }
                else if (field.IsRepeated)
                {
                    var i = 0;
                    foreach (var item in (IList)value)
                    {
                        Single(field, item, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]");
                        i++;
                    }
                }
                else
                {
                    Single(field, value, path);
                }
            }
        }

        private void Single(FieldDescriptor field, object? value, string path)
        {
            if (field.FieldType == FieldType.String)
            {
                Text(value as string, path);
            }
            else if (value is IMessage nested)
            {
                Message(nested, path + ".");
            }
        }

        private void Map(FieldDescriptor field, IDictionary map, string path)
        {
            var keyField = field.MessageType.FindFieldByNumber(1);
            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (DictionaryEntry entry in map)
            {
                // A clean key names its entry; a bad key is reported without repeating it.
                var keyPath = path;
                if (keyField.FieldType == FieldType.String)
                {
                    if (!Text(entry.Key as string, path + " key"))
                    {
                        continue;
                    }
                    var key = (string)entry.Key;
                    keyPath = key.Length <= 64 ? $"{path}[\"{key}\"]" : path;
                }
                else
                {
                    keyPath = $"{path}[{Convert.ToString(entry.Key, CultureInfo.InvariantCulture)}]";
                }
                Single(valueField, entry.Value, keyPath);
            }
        }

        private bool Text(string? text, string path)
        {
            if (string.IsNullOrEmpty(text))
            {
                return true;
            }
            string? problem = null;
            if (text.Length > maxLength)
            {
                problem = $"must be at most {maxLength.ToString(CultureInfo.InvariantCulture)} characters";
            }
            else if (text.Contains('\0', StringComparison.Ordinal))
            {
                problem = "must not contain a NUL character";
            }
            if (problem is null)
            {
                return true;
            }
            Found++;
            violations.Add(path, problem);
            return false;
        }
    }

    /// <summary>The fields of a message that can hold a string, directly or through nested messages.</summary>
    private static FieldDescriptor[] PlanFor(MessageDescriptor descriptor) =>
        Plans.GetOrAdd(descriptor, d => d.Fields.InFieldNumberOrder().Where(f => CanHoldText(f, [])).ToArray());

    private static bool CanHoldText(FieldDescriptor field, HashSet<MessageDescriptor> visiting) => field.FieldType switch
    {
        FieldType.String => true,
        FieldType.Message or FieldType.Group => MessageCanHoldText(field.MessageType, visiting),
        _ => false,
    };

    private static bool MessageCanHoldText(MessageDescriptor message, HashSet<MessageDescriptor> visiting)
    {
        if (!visiting.Add(message))
        {
            // Recursive types (google.protobuf.Struct) are kept; whether they hold text is settled by the other branches.
            return false;
        }
        try
        {
            return message.Fields.InFieldNumberOrder().Any(f => CanHoldText(f, visiting));
        }
        finally
        {
            visiting.Remove(message);
        }
    }
}
