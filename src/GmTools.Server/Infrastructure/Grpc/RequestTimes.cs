using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>
/// Walks every <see cref="Timestamp"/> and <see cref="Duration"/> of a request by its descriptor (nested, repeated and
/// map values included) and reports each that no handler can convert: a time before year 1 or after year 9999, nanos
/// out of range, a duration unnormalized or longer than <see cref="WireTimeValidation.MaxDuration"/>. Converting one
/// throws deep inside a desk (an INTERNAL for a caller's mistake); here it is INVALID_ARGUMENT naming the field path,
/// before any handler runs. Capabilities keep their own, tighter, meaningful bounds.
/// </summary>
public static class RequestTimes
{
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> Plans = new();

    /// <summary>Adds a violation per bad time (up to <see cref="RequestStrings.MaxReported"/>); true if every time is usable.</summary>
    public static bool Check(IMessage message, Violations violations)
    {
        var walk = new Walk(violations);
        walk.Message(message, "");
        return walk.Found == 0;
    }

    private sealed class Walk(Violations violations)
    {
        public int Found { get; private set; }

        public void Message(IMessage message, string prefix)
        {
            if (message is Timestamp or Duration)
            {
                var field = prefix.TrimEnd('.');
                var found = message is Timestamp t ? new Violations().Timestamp(field, t) : new Violations().Duration(field, (Duration)message);
                if (found.Any)
                {
                    Found++;
                    _ = message is Timestamp ts ? violations.Timestamp(field, ts) : violations.Duration(field, (Duration)message);
                }
                return;
            }
            foreach (var field in PlanFor(message.Descriptor))
            {
                if (Found >= RequestStrings.MaxReported)
                {
                    return;
                }
                var value = field.Accessor.GetValue(message);
                var path = prefix + field.Name;
                if (field.IsMap)
                {
                    foreach (DictionaryEntry entry in (IDictionary)value)
                    {
                        if (entry.Value is IMessage nested)
                        {
                            Message(nested, $"{path}[{Convert.ToString(entry.Key, CultureInfo.InvariantCulture)}].");
                        }
                    }
                }
                else if (field.IsRepeated)
                {
                    var i = 0;
                    foreach (var item in (IList)value)
                    {
                        if (item is IMessage nested)
                        {
                            Message(nested, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}].");
                        }
                        i++;
                    }
                }
                else if (value is IMessage nested)
                {
                    Message(nested, path + ".");
                }
            }
        }
    }

    /// <summary>The message-typed fields of a message that can hold a time, directly or through nested messages.</summary>
    private static FieldDescriptor[] PlanFor(MessageDescriptor descriptor) =>
        Plans.GetOrAdd(descriptor, d => d.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.Message && CanHoldTime(f.MessageType, [])).ToArray());

    private static bool CanHoldTime(MessageDescriptor message, HashSet<MessageDescriptor> visiting)
    {
        if (message.FullName is "google.protobuf.Timestamp" or "google.protobuf.Duration")
        {
            return true;
        }
        if (!visiting.Add(message))
        {
            return false;
        }
        return message.Fields.InFieldNumberOrder().Any(f => f.FieldType == FieldType.Message && CanHoldTime(f.MessageType, visiting));
    }
}
