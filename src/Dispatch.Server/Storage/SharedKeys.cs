using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dispatch.Server.Storage;

/// <summary>
/// One Data Protection key ring for every node, kept in PostgreSQL (<see cref="TableName"/>): a sign-in cookie, an
/// anti-forgery token or a circuit made on one node is read on any other. The application name is fixed, not the
/// content root's path (the default), so nodes installed in different directories still share the ring.
/// The keys are stored as Data Protection writes them: unencrypted unless a certificate is configured
/// (<see cref="CertificateKey"/>; docs/configuration.md).
/// </summary>
public static class SharedKeys
{
    public const string TableName = "dispatch.data_protection_keys";

    /// <summary>A PFX file whose certificate encrypts the keys at rest; every node needs the same one.</summary>
    public const string CertificateKey = "Dispatch:DataProtection:Certificate";

    public const string CertificatePasswordKey = "Dispatch:DataProtection:CertificatePassword";

    public static WebApplicationBuilder AddSharedKeys(this WebApplicationBuilder builder)
    {
        // First, so it starts before Data Protection's own start-up service, which loads the ring.
        // First of all hosted services: Data Protection's own one preloads the ring at start, and on a database's first
        // start it would find no table (an error in the log) or make a key outside FirstKey's lock.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, FirstKey>());
        var protection = builder.Services.AddDataProtection().SetApplicationName("Dispatch");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new KeyTable(sp.GetRequiredService<NpgsqlDataSource>())));
        if (builder.Configuration[CertificateKey] is { Length: > 0 } path)
            protection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(path, builder.Configuration[CertificatePasswordKey]));
        return builder;
    }

    /// <summary>The key ring's XML elements, one row each, under the name Data Protection gives them.</summary>
    sealed class KeyTable(NpgsqlDataSource db) : IXmlRepository
    {
        // Data Protection's repository interface is synchronous; it is called when the ring is (re)loaded, about once a day.
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var command = db.CreateCommand($"select xml from {TableName} order by id");
            using var reader = command.ExecuteReader();
            var elements = new List<XElement>();
            while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
            return elements;
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var command = db.CreateCommand($"insert into {TableName} (friendly_name, xml) values ($1, $2)");
            command.Parameters.AddWithValue(friendlyName);
            command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Before the node serves: the table, and a key if the ring has none to use, under one advisory lock, so nodes that
    /// start together do not each make a key of their own (harmless, but then each would sign with a key the other has not
    /// loaded until its ring refreshes). The ring is then loaded, so the first request does not pay for it.
    /// </summary>
    sealed class FirstKey(NpgsqlDataSource db, IKeyManager keys, IDataProtectionProvider protection) : IHostedService
    {
        // Any fixed number of our own: it only has to differ from the other advisory locks taken on this database.
        const long LockId = 0x44_69_73_70_4B_65_79_73; // "DispKeys"

        public async Task StartAsync(CancellationToken ct)
        {
            // A session lock, not a transaction's: the table must be committed before the key manager reads it on
            // connections of its own.
            await using var connection = await db.OpenConnectionAsync(ct);
            await Execute(connection, $"select pg_advisory_lock({LockId})", ct);
            try
            {
                await Execute(connection,
                    $"""
                     create schema if not exists dispatch;
                     create table if not exists {TableName} (
                         id bigint generated always as identity primary key,
                         friendly_name text not null,
                         xml text not null,
                         created_at timestamptz not null default now());
                     """, ct);
                // Data Protection reads the system clock, not the injected TimeProvider: so does this.
                var now = DateTimeOffset.UtcNow;
                if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2)))
                    keys.CreateNewKey(now, now.AddDays(90));
            }
            finally
            {
                // The pool keeps session state (NoResetOnClose): let go explicitly.
                await Execute(connection, $"select pg_advisory_unlock({LockId})", CancellationToken.None);
            }
            protection.CreateProtector("Dispatch.SharedKeys.Warm").Protect("ready"u8.ToArray());
        }

        static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
