/** The editor's shell. */
export function App() {
  return <h1>Loom</h1>;
}
