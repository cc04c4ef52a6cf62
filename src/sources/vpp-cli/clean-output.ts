// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** The last line of VPP's ASCII-art banner. */
const BANNER_END = '/_/ /____(_)_/\\___/';
const PROMPT = /^vpp# ?/;

/**
 * Remove what an interactive session adds around a command's output: banner, prompt, echo and ANSI
 * colours. With terminal type `vppctl` none of this is sent, but VPP up to v21.06 (and some v22.02
 * builds) could leak the banner into a non-interactive session.
 */
export function cleanVppOutput(raw: string, command: string): string {
  const text = raw.includes('\u001b') ? raw.replace(ANSI, '') : raw;
  if (!text.includes(BANNER_END) && !text.includes('vpp#')) return text;
  const lines = text.split('\n');
  const bannerEnd = lines.findIndex((l, i) => i < 8 && l.includes(BANNER_END));
  const out: string[] = [];
  let endedWithPrompt = false;
  for (let i = bannerEnd + 1; i < lines.length; i++) {
    let line = (lines[i] as string).replace(/^\r/, '');
    const prompted = PROMPT.test(line);
    if (prompted) line = line.replace(PROMPT, '');
    // An interactive session echoes the command after its prompt; a bare prompt ends the output.
    if (out.length === 0 && (line.trim() === '' || line.trimEnd() === command)) continue;
    if (prompted && line.trim() === '') {
      endedWithPrompt = i === lines.length - 1;
      continue;
    }
    out.push(line);
  }
  // A closing prompt proves the output is complete; keep the final newline that completeness checks expect.
  const joined = out.join('\n');
  return endedWithPrompt && !joined.endsWith('\n') ? `${joined}\n` : joined;
}
