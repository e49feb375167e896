/** One line of the view: spans in their styles, cut to the width by the view's own rule (columns.ts). */
import { Box, Text } from "ink";
import { osc8Link } from "../ui-links.js";
import { columns, cutSpans, type Span, wrapColumns } from "./columns.js";

/** A line of spans, never wider than `width` columns. */
export function Line({ spans, width }: { spans: readonly Span[]; width: number }) {
  return (
    <Text wrap="truncate-end">
      {cutSpans(spans, width).map((span, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a line's spans are in a fixed order
        <Text key={index} color={span.color} bold={span.bold}>
          {span.link === undefined ? span.text : osc8Link(span.text, span.link)}
        </Text>
      ))}
    </Text>
  );
}

/**
 * Text shown whole: `lead` (a tree's lines, a mark) on the first line, the text wrapped beside it to
 * `width` columns, its next lines indented under the text's start.
 */
export function WrappedLines({ lead, text, width }: { lead: readonly Span[]; text: readonly Span[]; width: number }) {
  const leadWidth = lead.reduce((sum, span) => sum + columns(span.text), 0);
  const indent = " ".repeat(leadWidth);
  const lines = wrapSpans(text, Math.max(10, width - leadWidth));
  return (
    <Box flexDirection="column">
      {lines.map((spans, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the wrapped lines' order is their identity
        <Line key={index} spans={[...(index === 0 ? lead : [{ text: indent }]), ...spans]} width={width} />
      ))}
    </Box>
  );
}

/** Spans broken into lines of `width` columns, each span keeping its style. */
export function wrapSpans(spans: readonly Span[], width: number): Span[][] {
  const joined = spans.map((span) => span.text).join("");
  const styleAt: number[] = [];
  spans.forEach((span, index) => {
    for (let i = 0; i < span.text.length; i++) styleAt.push(index);
  });
  const out: Span[][] = [];
  let position = 0;
  for (const line of wrapColumns(joined, width)) {
    // Wrapping only drops the space it breaks at, so each line is found where the last one ended.
    const start = Math.max(position, joined.indexOf(line, position));
    const pieces: Span[] = [];
    for (let i = start; i < start + line.length; ) {
      const style = styleAt[i] ?? 0;
      let end = i;
      while (end < start + line.length && styleAt[end] === style) end++;
      pieces.push({ ...(spans[style] as Span), text: joined.slice(i, end) });
      i = end;
    }
    out.push(pieces);
    position = start + line.length;
  }
  return out;
}
