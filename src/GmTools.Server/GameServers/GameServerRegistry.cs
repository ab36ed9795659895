using GmTools.Server.Audit;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.GameServers;

public sealed record IssuedCredential(GameServerEntity GameServer, string Credential);

/// <summary>Registers game servers and rotates their credentials, each with its audit record.</summary>
public sealed class GameServerRegistry(GmToolsDbContext db, AuditWriter audit, GameServerCredentialCache credentials, TimeProvider time)
{
    public async Task<IssuedCredential> RegisterAsync(string id, string displayName, string region, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await db.Set<GameServerEntity>().AnyAsync(g => g.GameServerId == id, ct))
        {
            throw GrpcErrors.AlreadyExists($"game server '{id}' is already registered");
        }
        var (credential, hash) = GameServerCredential.Create(id);
        var now = time.GetUtcNow();
        var entity = new GameServerEntity
        {
            GameServerId = id,
            DisplayName = displayName,
            Region = region,
            CredentialHash = hash,
            RegisteredAt = now,
            CredentialRotatedAt = now,
        };
        db.Add(entity);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("gameserver.register", "game_server", id, new { displayName, region }, GameServerId: id, Reason: reason), ct);
        await tx.CommitAsync(ct);
        return new IssuedCredential(entity, credential);
    }

    public async Task<IssuedCredential> RotateAsync(string id, string reason, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var entity = await db.Set<GameServerEntity>().FirstOrDefaultAsync(g => g.GameServerId == id, ct)
            ?? throw GrpcErrors.NotFound(ObjectRules.GameServerNotFound(id));
        var (credential, hash) = GameServerCredential.Create(id);
        entity.CredentialHash = hash;
        entity.CredentialRotatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("gameserver.rotate_credential", "game_server", id, GameServerId: id, Reason: reason), ct);
        await tx.CommitAsync(ct);
        credentials.Forget(id);
        return new IssuedCredential(entity, credential);
    }

    public async Task<List<GameServerEntity>> ListAsync(Caller caller, CancellationToken ct)
    {
        return await db.Set<GameServerEntity>().AsNoTracking().WhereVisible(caller, g => g.GameServerId).OrderBy(g => g.GameServerId).ToListAsync(ct);
    }
}
