/** A message about the last action: `status` for success (announced politely), `alert` for failure. */
export function Notice({ tone, children }: { tone: "success" | "error"; children: string | undefined }) {
  if (!children) return null;
  return (
    <p role={tone === "error" ? "alert" : "status"} className={`notice notice--${tone}`}>
      {children}
    </p>
  );
}
