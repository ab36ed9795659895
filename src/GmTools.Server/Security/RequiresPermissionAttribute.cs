namespace GmTools.Server.Security;

/// <summary>
/// Declares the permission an RPC needs. Put it on every gRPC method override; the access interceptor
/// refuses any call to a method without one.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresPermissionAttribute(string permission) : Attribute
{
    public string Permission { get; } = permission;
}
