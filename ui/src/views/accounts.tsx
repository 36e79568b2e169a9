// Settings' list of Elevate's own signed-in accounts: which one is in use, and a sign-out for each.
// Names come from the identity provider and are rendered as text. Shown only when there are any
// (not in demo mode, not with the Azure CLI's sign-in).
import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api";
import type { AccountView } from "../bindings";

export function AccountsSection({ version }: { version: unknown }) {
  const [accounts, setAccounts] = useState<AccountView[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Read again whenever the settings page is (a sign-in or a switch changes the list).
  useEffect(() => {
    let live = true;
    api.accounts().then(
      (list) => live && setAccounts(list),
      () => live && setAccounts([]),
    );
    return () => {
      live = false;
    };
  }, [version]);

  if (accounts.length === 0) return null;

  async function signOut(account: AccountView) {
    if (busy) return;
    setBusy(account.key);
    setError(null);
    try {
      setAccounts(await api.signOutAccount(account.key));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section id="settings-accounts">
      <h3>Accounts</h3>
      {error ? <p class="notice error">{error}</p> : null}
      <ul class="accounts">
        {accounts.map((account) => (
          <li key={account.key} class={account.current ? "account current" : "account"}>
            <span class="account-name">{account.username}</span>
            {account.name ? <span class="sub"> · {account.name}</span> : null}
            <span class="sub account-tenant">
              {" · tenant "}
              {account.tenantName ?? account.tenant}
              {account.guest ? " (guest)" : ""}
            </span>
            {account.current ? <span class="sub account-current"> · in use</span> : null}
            <button
              disabled={busy !== null}
              aria-label={`Sign out ${account.username}`}
              onClick={() => void signOut(account)}
            >
              Sign out
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
