import { useLoaderData } from "react-router";

/** A small page with loader data, so the data path (serialised into the document) runs too. */
export function loader() {
  return {
    title: "Minimal page",
    items: ["Server rendered by React Router", "Served by @react-router/express", "No middleware of its own"],
  };
}

export const meta = ({ data }: { data?: { title: string } }) => [{ title: data?.title ?? "Minimal page" }];

export default function Home() {
  const { title, items } = useLoaderData<typeof loader>();
  return (
    <main>
      <h1>{title}</h1>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </main>
  );
}
