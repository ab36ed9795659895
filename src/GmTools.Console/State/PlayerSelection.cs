namespace GmTools.Console.State;

/// <summary>Players a GM ticked in search results, carried to the bulk sanction page within the circuit.</summary>
public sealed class PlayerSelection
{
    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Ids => _ids;

    public bool Contains(string id) => _ids.Contains(id);

    public void Toggle(string id, bool on)
    {
        if (on)
        {
            _ids.Add(id);
        }
        else
        {
            _ids.Remove(id);
        }
    }

    public void Clear() => _ids.Clear();
}
