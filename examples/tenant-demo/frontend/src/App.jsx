import { useEffect, useState } from "react";

export default function App() {
  const [health, setHealth] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let cancelled = false;
    fetch("/api/v1/health/")
      .then(async (res) => {
        const body = await res.json();
        if (!cancelled) setHealth({ code: res.status, ...body });
      })
      .catch((err) => {
        if (!cancelled) setError(String(err));
      });
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
      <h1>Tenant demo</h1>
      <h2>Backend health</h2>
      {error && <p style={{ color: "crimson" }}>Request failed: {error}</p>}
      {!error && !health && <p>Checking…</p>}
      {health && (
        <dl>
          <dt>HTTP status</dt>
          <dd>{health.code}</dd>
          <dt>Status</dt>
          <dd>{health.status}</dd>
          <dt>Database</dt>
          <dd>{health.database}</dd>
        </dl>
      )}
    </main>
  );
}
