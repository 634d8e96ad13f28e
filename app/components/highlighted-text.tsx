import { highlightSegments } from "#app/models/post.ts";

/** Text with its search hits in `<mark>`: every segment is rendered as text, so nothing in it can become HTML. */
export function HighlightedText({ marked }: { marked: string }) {
  return (
    <>
      {highlightSegments(marked).map((segment, index) =>
        segment.hit ? <mark key={index}>{segment.text}</mark> : <span key={index}>{segment.text}</span>,
      )}
    </>
  );
}
