/**
 * Slack mrkdwn <-> Markdown, as pure functions.
 *
 * Incoming: a Slack message event becomes the standard Markdown that Parley stores as a comment
 * body (rendered later by markdown-it with html disabled, linkify and breaks on). Outgoing: an
 * agent's Markdown reply becomes Slack mrkdwn `text`, escaped so that nothing an agent or a
 * customer typed can turn into a Slack control sequence (`<!channel>`, `<@U…>`).
 */
import MarkdownIt, { type Token } from 'markdown-it';

// ---------------------------------------------------------------------------------------------
// Slack shapes (loose: events carry far more fields than we read)
// ---------------------------------------------------------------------------------------------

export interface SlackTextStyle {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  code?: boolean;
}

/** A node of a `rich_text` block: a container (section, list, quote, preformatted) or a leaf. */
export interface SlackRichElement {
  type: string;
  elements?: SlackRichElement[];
  text?: string;
  style?: SlackTextStyle | string;
  url?: string;
  user_id?: string;
  channel_id?: string;
  usergroup_id?: string;
  team_id?: string;
  range?: string;
  name?: string;
  unicode?: string;
  timestamp?: number | string;
  format?: string;
  fallback?: string;
  value?: string;
  indent?: number;
  offset?: number;
}

export interface SlackBlock {
  type: string;
  elements?: SlackRichElement[];
}

export interface SlackAttachment {
  is_share?: boolean;
  is_msg_unfurl?: boolean;
  author_name?: string;
  author_subname?: string;
  from_url?: string;
  text?: string;
  fallback?: string;
  message_blocks?: { message?: { blocks?: SlackBlock[] } }[];
}

export interface SlackMessageLike {
  text?: string;
  blocks?: SlackBlock[];
  attachments?: SlackAttachment[];
  files?: unknown[];
}

/** Names the caller looked up beforehand (users.info etc.); `undefined` when unknown. */
export interface SlackNameResolver {
  userName(id: string): string | undefined;
  channelName?(id: string): string | undefined;
  usergroupName?(id: string): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Escaping helpers
// ---------------------------------------------------------------------------------------------

/** Slack's three control characters, as Slack requires them in `text`. Nothing else is encoded. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The inverse of {@link escapeSlack}. One pass, so `&amp;lt;` becomes the literal `&lt;` and is
 * never decoded twice into `<`.
 */
export function unescapeSlack(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_m, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : '>',
  );
}

// ---------------------------------------------------------------------------------------------
// Emoji shortcodes
// ---------------------------------------------------------------------------------------------

// Slack's shortcode names (aliases separated by commas) and their code points. Custom workspace
// emoji are not here: they have no Unicode form and stay as `:name:`.
const EMOJI_TABLE = `
grinning=1f600 smiley=1f603 smile=1f604 grin=1f601 laughing,satisfied=1f606 sweat_smile=1f605
rolling_on_the_floor_laughing,rofl=1f923 joy=1f602 slightly_smiling_face,simple_smile=1f642
upside_down_face=1f643 melting_face=1fae0 wink=1f609 blush=1f60a innocent=1f607
smiling_face_with_3_hearts=1f970 heart_eyes=1f60d star-struck,star_struck=1f929
kissing_heart=1f618 kissing=1f617 relaxed=263a-fe0f kissing_closed_eyes=1f61a
kissing_smiling_eyes=1f619 smiling_face_with_tear=1f972 yum=1f60b stuck_out_tongue=1f61b
stuck_out_tongue_winking_eye=1f61c zany_face=1f92a stuck_out_tongue_closed_eyes=1f61d
money_mouth_face=1f911 hugging_face,hugs=1f917 face_with_hand_over_mouth=1f92d
shushing_face=1f92b thinking_face,thinking=1f914 saluting_face=1fae1 zipper_mouth_face=1f910
face_with_raised_eyebrow=1f928 neutral_face=1f610 expressionless=1f611 no_mouth=1f636
smirk=1f60f unamused=1f612 face_with_rolling_eyes,roll_eyes=1f644 grimacing=1f62c
lying_face=1f925 relieved=1f60c pensive=1f614 sleepy=1f62a drooling_face=1f924 sleeping=1f634
mask=1f637 face_with_thermometer=1f912 face_with_head_bandage=1f915 nauseated_face=1f922
face_vomiting=1f92e sneezing_face=1f927 hot_face=1f975 cold_face=1f976 woozy_face=1f974
dizzy_face=1f635 exploding_head=1f92f face_with_cowboy_hat=1f920 partying_face=1f973
sunglasses=1f60e nerd_face=1f913 face_with_monocle=1f9d0 confused=1f615 worried=1f61f
slightly_frowning_face=1f641 white_frowning_face,frowning_face=2639-fe0f open_mouth=1f62e
hushed=1f62f astonished=1f632 flushed=1f633 pleading_face=1f97a face_holding_back_tears=1f979
frowning=1f626 anguished=1f627 fearful=1f628 cold_sweat=1f630 disappointed_relieved=1f625
cry=1f622 sob=1f62d scream=1f631 confounded=1f616 persevere=1f623 disappointed=1f61e
sweat=1f613 weary=1f629 tired_face=1f62b yawning_face=1f971 triumph=1f624 rage=1f621
angry=1f620 face_with_symbols_on_mouth=1f92c smiling_imp=1f608 imp=1f47f skull=1f480
hankey,poop,shit=1f4a9 clown_face=1f921 ghost=1f47b alien=1f47d robot_face,robot=1f916
smiley_cat=1f63a smile_cat=1f638 joy_cat=1f639 heart_eyes_cat=1f63b see_no_evil=1f648
hear_no_evil=1f649 speak_no_evil=1f64a heart=2764-fe0f orange_heart=1f9e1 yellow_heart=1f49b
green_heart=1f49a blue_heart=1f499 purple_heart=1f49c black_heart=1f5a4 white_heart=1f90d
brown_heart=1f90e broken_heart=1f494
heavy_heart_exclamation_mark_ornament,heart_exclamation=2763-fe0f two_hearts=1f495
revolving_hearts=1f49e heartbeat=1f493 heartpulse=1f497 sparkling_heart=1f496 cupid=1f498
gift_heart=1f49d 100=1f4af anger=1f4a2 boom,collision=1f4a5 dizzy=1f4ab sweat_drops=1f4a6
dash=1f4a8 speech_balloon=1f4ac thought_balloon=1f4ad zzz=1f4a4 wave=1f44b
raised_back_of_hand=1f91a raised_hand_with_fingers_splayed=1f590-fe0f hand,raised_hand=270b
spock-hand=1f596 ok_hand=1f44c pinching_hand=1f90f v=270c-fe0f
crossed_fingers,hand_with_index_and_middle_fingers_crossed=1f91e
the_horns,sign_of_the_horns,metal=1f918 call_me_hand=1f919 point_left=1f448 point_right=1f449
point_up_2=1f446 middle_finger,reversed_hand_with_middle_finger_extended=1f595
point_down=1f447 point_up=261d-fe0f +1,thumbsup=1f44d -1,thumbsdown=1f44e fist=270a
facepunch,punch=1f44a left-facing_fist=1f91b right-facing_fist=1f91c clap=1f44f
raised_hands=1f64c heart_hands=1faf6 open_hands=1f450 palms_up_together=1f932 handshake=1f91d
pray=1f64f writing_hand=270d-fe0f muscle=1f4aa brain=1f9e0 eyes=1f440 eye=1f441-fe0f
shrug,person_shrugging=1f937 man-shrugging=1f937-200d-2642-fe0f
woman-shrugging=1f937-200d-2640-fe0f face_palm,facepalm=1f926
man-facepalming=1f926-200d-2642-fe0f woman-facepalming=1f926-200d-2640-fe0f bow=1f647
raising_hand=1f64b no_good=1f645 ok_woman=1f646 tada=1f389 confetti_ball=1f38a balloon=1f388
gift=1f381 birthday=1f382 trophy=1f3c6 sports_medal,medal=1f3c5 first_place_medal=1f947
white_check_mark=2705 heavy_check_mark=2714-fe0f ballot_box_with_check=2611-fe0f x=274c
negative_squared_cross_mark=274e heavy_multiplication_x=2716-fe0f warning=26a0-fe0f
no_entry=26d4 no_entry_sign=1f6ab question=2753 grey_question=2754
exclamation,heavy_exclamation_mark=2757 grey_exclamation=2755 bangbang=203c-fe0f
interrobang=2049-fe0f heavy_plus_sign=2795 heavy_minus_sign=2796 arrow_right=27a1-fe0f
arrow_left=2b05-fe0f arrow_up=2b06-fe0f arrow_down=2b07-fe0f arrows_counterclockwise=1f504
repeat=1f501 red_circle=1f534 large_orange_circle=1f7e0 large_yellow_circle=1f7e1
large_green_circle=1f7e2 large_blue_circle=1f535 large_purple_circle=1f7e3 white_circle=26aa
black_circle=26ab star=2b50 star2=1f31f sparkles=2728 zap=26a1 fire=1f525 rocket=1f680
bulb=1f4a1 memo,pencil=1f4dd pencil2=270f-fe0f lock=1f512 unlock=1f513 key=1f511 bell=1f514
no_bell=1f515 mag=1f50d link=1f517 paperclip=1f4ce pushpin=1f4cc round_pushpin=1f4cd
date=1f4c5 calendar=1f4c6 spiral_calendar_pad,spiral_calendar=1f5d3-fe0f hourglass=231b
hourglass_flowing_sand=23f3 stopwatch=23f1-fe0f alarm_clock=23f0 email,e-mail=1f4e7
envelope=2709-fe0f inbox_tray=1f4e5 outbox_tray=1f4e4 package=1f4e6 phone,telephone=260e-fe0f
iphone=1f4f1 computer=1f4bb desktop_computer=1f5a5-fe0f keyboard=2328-fe0f printer=1f5a8-fe0f
floppy_disk=1f4be file_folder=1f4c1 open_file_folder=1f4c2 page_facing_up=1f4c4
clipboard=1f4cb bar_chart=1f4ca chart_with_upwards_trend=1f4c8
chart_with_downwards_trend=1f4c9 moneybag=1f4b0 dollar=1f4b5 credit_card=1f4b3 gear=2699-fe0f
wrench=1f527 hammer=1f528 hammer_and_wrench=1f6e0-fe0f shield=1f6e1-fe0f construction=1f6a7
rotating_light=1f6a8 sos=1f198 new=1f195 ok=1f197 cool=1f192 free=1f193 up=1f199
information_source=2139-fe0f sunny=2600-fe0f cloud=2601-fe0f umbrella=2614
snowflake=2744-fe0f rainbow=1f308 coffee=2615 tea=1f375 beer=1f37a beers=1f37b
wine_glass=1f377 pizza=1f355 cake=1f370 cookie=1f36a doughnut=1f369 apple=1f34e
seedling=1f331 four_leaf_clover=1f340 rose=1f339 sunflower=1f33b cat=1f431 dog=1f436
cat2=1f408 dog2=1f415 unicorn_face,unicorn=1f984 tiger=1f42f monkey_face=1f435 bug=1f41b
bee,honeybee=1f41d turtle=1f422 snail=1f40c earth_americas=1f30e earth_africa=1f30d
globe_with_meridians=1f310 house=1f3e0 office=1f3e2 car=1f697 airplane=2708-fe0f train=1f686
`;

const EMOJI = new Map<string, string>();
for (const entry of EMOJI_TABLE.split(/\s+/)) {
  if (!entry) continue;
  const [names, hex] = entry.split('=');
  const char = fromCodepoints(hex);
  if (char) for (const name of names.split(',')) EMOJI.set(name, char);
}

function fromCodepoints(hex: string): string | undefined {
  const points = hex.split('-').map((h) => Number.parseInt(h, 16));
  if (!points.length || points.some((p) => !Number.isInteger(p) || p < 0 || p > 0x10ffff)) {
    return undefined;
  }
  return String.fromCodePoint(...points);
}

/** The Unicode character for a Slack emoji shortcode (without colons), if it is a known one. */
export function emojiFromShortcode(name: string): string | undefined {
  return EMOJI.get(name.toLowerCase().replace(/::skin-tone-\d$/, ''));
}

// ---------------------------------------------------------------------------------------------
// Markdown output with literal/raw bookkeeping
// ---------------------------------------------------------------------------------------------

/** Shared by an italic opener and closer so both can switch from `_` to `*` inside a word. */
interface EmPair {
  star?: boolean;
}

/**
 * A piece of Markdown output. `raw` pieces are syntax we generated (markers, code, links);
 * literal pieces are user text, escaped at the end once the whole message is known, because
 * whether `2*3*4` or a leading `#` needs escaping depends on its neighbours.
 */
interface Piece {
  text: string;
  raw: boolean;
  em?: EmPair;
}

const lit = (text: string): Piece => ({ text, raw: false });
const raw = (text: string): Piece => ({ text, raw: true });

/** Puts `first` before the first line of `pieces` and `rest` before every later line. */
function prefixLines(pieces: Piece[], first: string, rest: string): Piece[] {
  const out: Piece[] = [raw(first)];
  for (const p of pieces) {
    if (!p.text.includes('\n')) {
      out.push(p);
      continue;
    }
    const parts = p.text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) out.push(raw('\n'), raw(rest));
      if (part) out.push({ ...p, text: part });
    });
  }
  return out;
}

/** Removes newlines (and only newlines) at both ends of a piece list. */
function trimNewlines(pieces: Piece[]): Piece[] {
  const out = pieces.map((p) => ({ ...p }));
  while (out.length && /^\n*$/.test(out[0].text) && !out[0].em) out.shift();
  if (out.length) out[0].text = out[0].text.replace(/^\n+/, '');
  while (out.length && /^\n*$/.test(out[out.length - 1].text) && !out[out.length - 1].em) {
    out.pop();
  }
  if (out.length) out[out.length - 1].text = out[out.length - 1].text.replace(/\n+$/, '');
  return out.filter((p) => p.text !== '' || p.em);
}

const isBlank = (pieces: Piece[]) => pieces.every((p) => /^\s*$/.test(p.text));

/** Text that may precede a block-level marker on a line: indentation, `>`, list markers. */
const BLOCK_PREFIX = /^[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])[ \t]*)*$/;
const MAX_BLOCK_PREFIX = 100;
const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
const ALNUM = /[\p{L}\p{N}]/u;
const BARE_URL = /\b(?:https?|ftp):\/\/[^\s<>]+|\bwww\.[^\s<>]+/gi;

/** Joins the pieces into Markdown, escaping literal text only where Markdown would misread it. */
function finish(pieces: Piece[]): string {
  // Italic markers next to a letter or digit must be `*`: `_` does not work inside words.
  const offsets: number[] = [];
  let total = '';
  for (const p of pieces) {
    offsets.push(total.length);
    total += p.text;
  }
  const pairs = new Map<EmPair, number[]>();
  pieces.forEach((p, i) => {
    if (p.em) pairs.set(p.em, [...(pairs.get(p.em) ?? []), i]);
  });
  for (const [pair, [open, close]] of pairs) {
    if (close === undefined) continue;
    const before = total[offsets[open] - 1] ?? '';
    const after = total[offsets[close] + pieces[close].text.length] ?? '';
    if (ALNUM.test(before) || ALNUM.test(after)) pair.star = true;
  }

  let s = '';
  const literal: boolean[] = [];
  for (const p of pieces) {
    const text = p.em?.star ? '*' : p.text;
    s += text;
    for (let i = 0; i < text.length; i++) literal.push(!p.raw);
  }
  return escapeLiterals(s, literal)
    .split('\n')
    .map((line) => (/^[ \t>]*$/.test(line) ? line.trimEnd() : line))
    .join('\n')
    .replace(/^\n+|\s+$/g, '');
}

function escapeLiterals(s: string, literal: boolean[]): string {
  const isWs = (c: string | undefined) => c === undefined || /\s/.test(c);

  // Bare URLs are linkified by the renderer before emphasis is parsed: leave them untouched.
  const inUrl = new Array<boolean>(s.length).fill(false);
  for (const m of s.matchAll(BARE_URL)) {
    for (let i = m.index; i < m.index + m[0].length; i++) inUrl[i] = literal[i];
  }

  // Emphasis-like characters only need escaping when there is something they could pair with.
  const starActive = (i: number) => !(isWs(s[i - 1]) && isWs(s[i + 1]));
  const underscoreActive = (i: number) =>
    starActive(i) && !(ALNUM.test(s[i - 1] ?? '') && ALNUM.test(s[i + 1] ?? ''));
  let stars = 0;
  let underscores = 0;
  let backticks = 0;
  for (let i = 0; i < s.length; i++) {
    if (inUrl[i]) continue;
    if (s[i] === '*' && starActive(i)) stars++;
    else if (s[i] === '_' && underscoreActive(i)) underscores++;
    else if (s[i] === '`') backticks++;
  }

  const escape = new Array<boolean>(s.length).fill(false);
  const drop = new Array<boolean>(s.length).fill(false);

  // Line-level constructs: headings, quotes, thematic breaks, setext underlines, tables, and
  // leading indentation (four spaces would make an indented code block).
  let lineStart = 0;
  for (const line of s.split('\n')) {
    const at = (k: number) => lineStart + k;
    let firstLiteral = 0;
    while (firstLiteral < line.length && !literal[at(firstLiteral)]) firstLiteral++;
    if (BLOCK_PREFIX.test(line.slice(0, firstLiteral))) {
      let k = firstLiteral;
      while (k < line.length && literal[at(k)] && (line[k] === ' ' || line[k] === '\t')) {
        drop[at(k)] = true;
        k++;
      }
    }
    // Only a short run of indentation, `>` and list markers can precede a block marker.
    let prefix = '';
    for (let k = 0; k < line.length && prefix.length <= MAX_BLOCK_PREFIX; k++) {
      if (drop[at(k)]) continue;
      const c = line[k];
      if (literal[at(k)] && (c === '#' || c === '>') && BLOCK_PREFIX.test(prefix)) {
        if (c === '>' || /^#{1,6}(?:[ \t]|$)/.test(line.slice(k, k + 8))) escape[at(k)] = true;
      }
      if (!/[ \t>*+\-\d.)]/.test(c)) break;
      prefix += c;
    }
    const quoteless = line.replace(/^(?:[ \t]*>)*[ \t]*/, '');
    const q = at(line.length - quoteless.length);
    if (/^([-=_*])(?:[ \t]*\1)*[ \t]*$/.test(quoteless) && literal[q]) escape[q] = true;
    if (
      quoteless.includes('|') &&
      /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/.test(quoteless)
    ) {
      for (let k = 0; k < line.length; k++)
        if (line[k] === '|' && literal[at(k)]) escape[at(k)] = true;
    }
    lineStart += line.length + 1;
  }

  // For each position, the index of the next `]` (-1 if none): is a `[` the start of a link?
  const nextClose = new Array<number>(s.length).fill(-1);
  for (let i = s.length - 2; i >= 0; i--)
    nextClose[i] = s[i + 1] === ']' ? i + 1 : nextClose[i + 1];

  for (let i = 0; i < s.length; i++) {
    if (!literal[i] || inUrl[i] || drop[i]) continue;
    const c = s[i];
    const next = s[i + 1];
    if (c === '\\') escape[i] ||= next !== undefined && ASCII_PUNCT.test(next);
    else if (c === '*') escape[i] ||= stars > 1 && starActive(i);
    else if (c === '_') escape[i] ||= underscores > 1 && underscoreActive(i);
    else if (c === '~') escape[i] ||= s[i - 1] === '~' || next === '~';
    else if (c === '`') escape[i] ||= backticks > 1;
    else if (c === '!') escape[i] ||= next === '[';
    else if (c === '&')
      escape[i] ||= /^&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/.test(
        s.slice(i, i + 40),
      );
    else if (c === '[') {
      const close = nextClose[i];
      escape[i] ||= close > 0 && '([:'.includes(s[close + 1] ?? ' ');
    }
  }

  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (drop[i]) continue;
    out += escape[i] ? `\\${s[i]}` : s[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown building blocks
// ---------------------------------------------------------------------------------------------

function longestRun(text: string, run: RegExp): number {
  let longest = 0;
  for (const m of text.matchAll(run)) longest = Math.max(longest, m[0].length);
  return longest;
}

function codeSpan(text: string): string {
  const fence = '`'.repeat(longestRun(text, /`+/g) + 1);
  const pad =
    text.startsWith('`') ||
    text.endsWith('`') ||
    (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '')
      ? ' '
      : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function codeFence(code: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(code, /`{3,}/g) + 1));
  return `${fence}\n${code}\n${fence}`;
}

/** Link text: literal, except brackets, which would end or nest the label. */
function labelPieces(text: string): Piece[] {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .split(/([[\]])/)
    .filter(Boolean)
    .map((part) => (part === '[' || part === ']' ? raw(`\\${part}`) : lit(part)));
}

function linkDestination(url: string): string {
  const safe = url.replace(/[\s<>\\]/g, (c) => encodeURIComponent(c));
  return /[()]/.test(safe) ? `<${safe}>` : safe;
}

const AUTOLINKABLE = /^[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s\p{Cc}]*$/u;

function linkPieces(url: string, label: string | undefined): Piece[] {
  const text = label?.trim() ? label : undefined;
  if (/^mailto:/i.test(url) && (!text || text === url.slice(7))) return [lit(url.slice(7))];
  if (!text || text === url) {
    if (AUTOLINKABLE.test(url)) return [raw(`<${url}>`)];
    return [raw('['), ...labelPieces(url), raw(`](${linkDestination(url)})`)];
  }
  return [raw('['), ...labelPieces(text), raw(`](${linkDestination(url)})`)];
}

function dateText(timestamp: number | string | undefined): string {
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds)) return '';
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

// ---------------------------------------------------------------------------------------------
// Incoming: name context
// ---------------------------------------------------------------------------------------------

interface Names {
  user(id: string): string;
  channel(id: string): string;
  group(id: string): string;
}

/**
 * Mentions in rich_text carry only ids, but `text` of the same message carries the labels
 * (`<#C1|general>`, `<!subteam^S1|@eng>`), so those serve when the caller knows no name.
 */
function namesFor(message: SlackMessageLike, resolve: SlackNameResolver): Names {
  const labels = {
    user: new Map<string, string>(),
    channel: new Map<string, string>(),
    group: new Map<string, string>(),
  };
  const texts = [message.text ?? '', ...(message.attachments ?? []).map((a) => a.text ?? '')];
  for (const text of texts) {
    for (const m of text.matchAll(/<([@#])([A-Z0-9]+)\|([^>]+)>/g)) {
      labels[m[1] === '@' ? 'user' : 'channel'].set(m[2], unescapeSlack(m[3]));
    }
    for (const m of text.matchAll(/<!subteam\^([A-Z0-9]+)\|([^>]+)>/g)) {
      labels.group.set(m[1], unescapeSlack(m[2]).replace(/^@/, ''));
    }
  }
  const clean = (name: string | undefined, sigil: string) =>
    name?.trim() ? name.trim().replace(new RegExp(`^\\${sigil}`), '') : undefined;
  return {
    user: (id) => clean(resolve.userName(id), '@') ?? labels.user.get(id) ?? id,
    channel: (id) => clean(resolve.channelName?.(id), '#') ?? labels.channel.get(id) ?? id,
    group: (id) => clean(resolve.usergroupName?.(id), '@') ?? labels.group.get(id) ?? id,
  };
}

// ---------------------------------------------------------------------------------------------
// Incoming: rich_text blocks
// ---------------------------------------------------------------------------------------------

interface Atom {
  bold: boolean;
  italic: boolean;
  strike: boolean;
  /** Plain or code text (may be merged with neighbours); absent for mentions, links, emoji. */
  text?: string;
  code?: boolean;
  pieces?: Piece[];
  newline?: boolean;
}

function styleOf(el: SlackRichElement): SlackTextStyle {
  return typeof el.style === 'object' && el.style ? el.style : {};
}

function emojiText(el: SlackRichElement): string {
  const fromUnicode = el.unicode ? fromCodepoints(el.unicode) : undefined;
  return fromUnicode ?? emojiFromShortcode(el.name ?? '') ?? `:${el.name ?? ''}:`;
}

/** Plain text of a leaf element, for code blocks (no Markdown inside). */
function leafText(el: SlackRichElement, names: Names): string {
  switch (el.type) {
    case 'text':
      return el.text ?? '';
    case 'link':
      return el.text || el.url || '';
    case 'user':
      return `@${names.user(el.user_id ?? '')}`;
    case 'channel':
      return `#${names.channel(el.channel_id ?? '')}`;
    case 'usergroup':
      return `@${names.group(el.usergroup_id ?? '')}`;
    case 'broadcast':
      return `@${el.range ?? 'here'}`;
    case 'emoji':
      return emojiText(el);
    case 'date':
      return el.fallback || dateText(el.timestamp);
    case 'color':
      return el.value ?? '';
    case 'team':
      return `@${el.team_id ?? ''}`;
    default:
      return el.text ?? el.url ?? '';
  }
}

function leafPieces(el: SlackRichElement, names: Names): Piece[] {
  if (el.type === 'link' && el.url) return linkPieces(el.url, el.text);
  const text = leafText(el, names);
  return text ? [lit(text)] : [];
}

/** Inline elements (of a section, quote or list item) with their bold/italic/strike/code. */
function richInline(elements: SlackRichElement[], names: Names): Piece[] {
  const atoms: Atom[] = [];
  for (const el of elements) {
    const st = styleOf(el);
    const base = { bold: !!st.bold, italic: !!st.italic, strike: !!st.strike };
    if (el.type === 'text') {
      (el.text ?? '').split('\n').forEach((part, i) => {
        if (i > 0) atoms.push({ ...base, newline: true });
        if (!part) return;
        const prev = atoms[atoms.length - 1];
        const code = !!st.code;
        if (
          prev?.text !== undefined &&
          !!prev.code === code &&
          prev.bold === base.bold &&
          prev.italic === base.italic &&
          prev.strike === base.strike
        ) {
          prev.text += part;
        } else {
          atoms.push({ ...base, text: part, code });
        }
      });
    } else {
      atoms.push({ ...base, pieces: leafPieces(el, names) });
    }
  }

  const out: Piece[] = [];
  const open: { kind: 'bold' | 'italic' | 'strike'; em?: EmPair }[] = [];
  const markers = { bold: '**', italic: '_', strike: '~~' };

  const closeTop = () => {
    const top = open.pop()!;
    // A closing delimiter after whitespace does not close: move the whitespace outside.
    let ws = '';
    while (out.length) {
      const last = out[out.length - 1];
      if (last.raw) break;
      const m = /\s+$/.exec(last.text);
      if (!m) break;
      ws = m[0] + ws;
      last.text = last.text.slice(0, m.index);
      if (last.text) break;
      out.pop();
    }
    out.push({ text: markers[top.kind], raw: true, em: top.em });
    if (ws) out.push(lit(ws));
  };
  const transition = (atom: Atom) => {
    while (open.some((o) => !atom[o.kind])) closeTop();
    for (const kind of ['bold', 'italic', 'strike'] as const) {
      if (atom[kind] && !open.some((o) => o.kind === kind)) {
        const em = kind === 'italic' ? {} : undefined;
        open.push({ kind, em });
        out.push({ text: markers[kind], raw: true, em });
      }
    }
  };

  for (const atom of atoms) {
    if (atom.newline) {
      while (open.length) closeTop();
      out.push(raw('\n'));
      continue;
    }
    if (atom.text !== undefined && !atom.code) {
      const [, lead, core, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(atom.text)!;
      if (lead) out.push(lit(lead));
      if (!core) continue;
      transition(atom);
      out.push(lit(core));
      if (trail) out.push(lit(trail));
    } else if (atom.text !== undefined) {
      transition(atom);
      out.push(raw(codeSpan(atom.text)));
    } else if (atom.pieces?.length) {
      transition(atom);
      out.push(...atom.pieces);
    }
  }
  while (open.length) closeTop();
  return out;
}

interface RenderedBlock {
  kind: 'para' | 'list';
  pieces: Piece[];
}

function richBlocks(blocks: SlackBlock[], names: Names): Piece[] {
  const rendered: RenderedBlock[] = [];
  // Content width of the latest list item at each indent level, to nest Markdown lists.
  let widths: number[] = [];
  for (const block of blocks) {
    if (block.type !== 'rich_text') continue;
    for (const el of block.elements ?? []) {
      if (el.type === 'rich_text_list') {
        const indent = Math.max(0, Math.min(8, Number(el.indent) || 0));
        const ordered = el.style === 'ordered';
        const base = Array.from({ length: indent }, (_, k) => widths[k] ?? 2).reduce(
          (a, b) => a + b,
          0,
        );
        widths = widths.slice(0, indent);
        (el.elements ?? []).forEach((item, i) => {
          const marker = ordered ? `${(Number(el.offset) || 0) + i + 1}. ` : '- ';
          widths[indent] = marker.length;
          const content = trimNewlines(richInline(item.elements ?? [], names));
          const pad = ' '.repeat(base);
          rendered.push({
            kind: 'list',
            pieces: prefixLines(content, pad + marker, pad + ' '.repeat(marker.length)),
          });
        });
        continue;
      }
      widths = [];
      if (el.type === 'rich_text_preformatted') {
        const code = (el.elements ?? []).map((leaf) => leafText(leaf, names)).join('');
        const trimmed = code.replace(/^\n+|\n+$/g, '');
        if (trimmed) rendered.push({ kind: 'para', pieces: [raw(codeFence(trimmed))] });
      } else if (el.type === 'rich_text_quote') {
        const content = trimNewlines(richInline(el.elements ?? [], names));
        if (!isBlank(content)) {
          rendered.push({ kind: 'para', pieces: prefixLines(content, '> ', '> ') });
        }
      } else {
        // rich_text_section, and any future container holding inline elements.
        const content = trimNewlines(richInline(el.elements ?? [], names));
        if (!isBlank(content)) rendered.push({ kind: 'para', pieces: content });
      }
    }
  }
  const out: Piece[] = [];
  rendered.forEach((block, i) => {
    if (i > 0) {
      const tight = block.kind === 'list' && rendered[i - 1].kind === 'list';
      out.push(raw(tight ? '\n' : '\n\n'));
    }
    out.push(...block.pieces);
  });
  return out;
}

function hasRichText(blocks: SlackBlock[] | undefined): blocks is SlackBlock[] {
  return !!blocks?.some((b) => b.type === 'rich_text' && b.elements?.length);
}

// ---------------------------------------------------------------------------------------------
// Incoming: mrkdwn `text`
// ---------------------------------------------------------------------------------------------

type Slot = { pieces: Piece[] } | { code: string };

const PLACEHOLDER = /\uFFFF(\d+)\uFFFF/g;

function tokenPieces(body: string, names: Names): Piece[] {
  const bar = body.indexOf('|');
  const target = bar >= 0 ? body.slice(0, bar) : body;
  const label = bar >= 0 ? unescapeSlack(body.slice(bar + 1)) : undefined;
  if (target.startsWith('@')) return [lit(`@${names.user(target.slice(1))}`)];
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const known = names.channel(id);
    return [lit(`#${known === id && label ? label.replace(/^#/, '') : known}`)];
  }
  if (target.startsWith('!')) {
    const [command, ...args] = target.slice(1).split('^');
    if (command === 'subteam') {
      const id = args[0] ?? '';
      const known = names.group(id);
      return [lit(`@${known === id && label ? label.replace(/^@/, '') : known}`)];
    }
    if (command === 'date') return [lit(label ?? dateText(args[0]))];
    if (['here', 'channel', 'everyone'].includes(command)) return [lit(`@${command}`)];
    return [lit(label ?? `@${command}`)];
  }
  return linkPieces(unescapeSlack(target), label);
}

function parseMrkdwn(source: string, names: Names): Piece[] {
  const slots: Slot[] = [];
  const hold = (slot: Slot) => `\uFFFF${slots.push(slot) - 1}\uFFFF`;
  const marker = (text: string, em?: EmPair) => hold({ pieces: [{ text, raw: true, em }] });

  let s = source.replace(/\uFFFF/g, '');
  // Code first: nothing inside code is a token, an emoji or formatting.
  s = s.replace(/```([\s\S]*?)```/g, (_m, body: string) => {
    // Slack may still wrap URLs inside code as <url>; show the URL itself.
    const code = unescapeSlack(body.replace(/<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>/g, '$1'));
    return hold({ code: code.replace(/^\n|\n$/g, '') });
  });
  s = s.replace(/`([^`\n]+)`/g, (_m, body: string) =>
    hold({ pieces: [raw(codeSpan(unescapeSlack(body)))] }),
  );
  s = s.replace(/<([^<>\uFFFF]+)>/g, (_m, body: string) =>
    hold({ pieces: tokenPieces(body, names) }),
  );
  s = s.replace(/:([a-z0-9_+'-]+):(?::skin-tone-[2-6]:)?/gi, (m, name: string) => {
    const char = emojiFromShortcode(name);
    return char ? hold({ pieces: [lit(char)] }) : m;
  });
  // Slack only formats at word boundaries, and never across lines.
  const bound = (c: string) => {
    const e = c === '*' ? '\\*' : c;
    return new RegExp(
      `(^|[^\\p{L}\\p{N}_${c}])${e}([^\\s${c}](?:[^${c}\\n]*[^\\s${c}])?)${e}(?![\\p{L}\\p{N}_${c}])`,
      'gmu',
    );
  };
  s = s.replace(
    bound('*'),
    (_m, pre: string, body: string) => pre + marker('**') + body + marker('**'),
  );
  s = s.replace(bound('_'), (_m, pre: string, body: string) => {
    const em: EmPair = {};
    return pre + marker('_', em) + body + marker('_', em);
  });
  s = s.replace(
    bound('~'),
    (_m, pre: string, body: string) => pre + marker('~~') + body + marker('~~'),
  );

  const expand = (line: string): Piece[] => {
    const out: Piece[] = [];
    let last = 0;
    for (const m of line.matchAll(PLACEHOLDER)) {
      if (m.index > last) out.push(lit(unescapeSlack(line.slice(last, m.index))));
      last = m.index + m[0].length;
      const slot = slots[Number(m[1])];
      if ('pieces' in slot) {
        out.push(...slot.pieces);
      } else {
        // A code block is a block: it needs lines of its own.
        const before = isBlank(out) ? '' : '\n';
        const after = line.slice(last).trim() ? '\n' : '';
        out.push(raw(`${before}${codeFence(slot.code)}${after}`));
      }
    }
    if (last < line.length) out.push(lit(unescapeSlack(line.slice(last))));
    return out;
  };

  const out: Piece[] = [];
  let quoteRest = false;
  let wasQuoted = false;
  s.split('\n').forEach((line, i) => {
    let quoted = quoteRest;
    if (!quoted && line.startsWith('&gt;&gt;&gt;')) {
      quoteRest = quoted = true;
      line = line.slice(12).replace(/^ /, '');
    } else if (!quoted && line.startsWith('&gt;')) {
      quoted = true;
      line = line.slice(4).replace(/^ /, '');
    } else if (!quoted && line.startsWith('>')) {
      // Slack escapes the marker in events, but text we sent ourselves may carry it raw.
      quoted = true;
      line = line.slice(1).replace(/^ /, '');
    }
    if (i > 0) out.push(raw(wasQuoted && !quoted ? '\n\n' : '\n'));
    const pieces = expand(line);
    out.push(...(quoted ? prefixLines(pieces, '> ', '> ') : pieces));
    wasQuoted = quoted;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Incoming: public API
// ---------------------------------------------------------------------------------------------

function richElementsOf(blocks: SlackBlock[] | undefined): SlackRichElement[] {
  const out: SlackRichElement[] = [];
  const walk = (els: SlackRichElement[] | undefined) => {
    for (const el of els ?? []) {
      out.push(el);
      walk(el.elements);
    }
  };
  for (const b of blocks ?? []) if (b.type === 'rich_text') walk(b.elements);
  return out;
}

/**
 * Every user id mentioned in the message (text tokens, rich_text `user` elements, forwarded
 * content), in order of appearance and without duplicates, so the caller can look names up.
 */
export function mentionedUserIds(message: SlackMessageLike): string[] {
  const ids = new Set<string>();
  const fromText = (text: string | undefined) => {
    for (const m of (text ?? '').matchAll(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g)) ids.add(m[1]);
  };
  const fromBlocks = (blocks: SlackBlock[] | undefined) => {
    for (const el of richElementsOf(blocks))
      if (el.type === 'user' && el.user_id) ids.add(el.user_id);
  };
  fromBlocks(message.blocks);
  fromText(message.text);
  for (const a of message.attachments ?? []) {
    for (const mb of a.message_blocks ?? []) fromBlocks(mb.message?.blocks);
    fromText(a.text);
  }
  return [...ids];
}

function sharedPieces(att: SlackAttachment, names: Names): Piece[] {
  const blocks = (att.message_blocks ?? []).flatMap((mb) => mb.message?.blocks ?? []);
  let body: Piece[] = [];
  if (hasRichText(blocks)) body = richBlocks(blocks, names);
  if (isBlank(body) && att.text) body = parseMrkdwn(att.text, names);
  if (isBlank(body) && att.fallback) body = parseMrkdwn(att.fallback, names);
  body = trimNewlines(body);
  const author = (att.author_name || att.author_subname || '').trim();
  const title = att.from_url
    ? linkPieces(att.from_url, 'Forwarded message')
    : [lit('Forwarded message')];
  const header = [...title, ...(author ? [lit(' from '), raw('**'), lit(author), raw('**')] : [])];
  const content = isBlank(body) ? header : [...header, lit(':'), raw('\n'), ...body];
  return prefixLines(content, '> ', '> ');
}

/**
 * An incoming Slack message as standard Markdown. Prefers the `rich_text` blocks, falls back to
 * the mrkdwn `text`, and appends forwarded (shared) messages as quotes. Returns `''` for a
 * message with nothing but files (the caller stores those as attachments).
 */
export function slackToMarkdown(message: SlackMessageLike, resolve: SlackNameResolver): string {
  const names = namesFor(message, resolve);
  const main = hasRichText(message.blocks)
    ? richBlocks(message.blocks, names)
    : parseMrkdwn(message.text ?? '', names);
  const pieces = isBlank(main) ? [] : trimNewlines(main);
  for (const att of message.attachments ?? []) {
    if (!att.is_share) continue;
    if (pieces.length) pieces.push(raw('\n\n'));
    pieces.push(...sharedPieces(att, names));
  }
  return finish(pieces);
}

// ---------------------------------------------------------------------------------------------
// Outgoing: Markdown -> mrkdwn
// ---------------------------------------------------------------------------------------------

// html stays off: an agent's `<b>` or `<!channel>` is text, and text is escaped for Slack.
const outgoingParser = new MarkdownIt({ html: false, linkify: true });

const SLACK_LINKABLE = /^(?:https?:\/\/|mailto:)/i;

/** A URL inside `<…|…>`: `|` would end it early and `<>&` are Slack control characters. */
function slackUrl(url: string): string {
  return url
    .replace(/&/g, '&amp;')
    .replace(/</g, '%3C')
    .replace(/>/g, '%3E')
    .replace(/\|/g, '%7C')
    .replace(/\s/g, (c) => encodeURIComponent(c));
}

function plainText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.type === 'text' || t.type === 'code_inline' || t.type === 'html_inline') out += t.content;
    else if (t.type === 'softbreak' || t.type === 'hardbreak') out += ' ';
    else if (t.type === 'image') out += t.content || plainText(t.children ?? []);
  }
  return out;
}

function findClose(tokens: Token[], from: number, open: string, close: string): number {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    if (tokens[j].type === open) depth++;
    else if (tokens[j].type === close && --depth === 0) return j;
  }
  return tokens.length;
}

function inlineMrkdwn(tokens: Token[], inHeading = false): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    switch (t.type) {
      case 'text':
      case 'html_inline':
        out += escapeSlack(t.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        break;
      case 'code_inline':
        out += `\`${escapeSlack(t.content)}\``;
        break;
      case 'strong_open':
      case 'strong_close':
        // A heading is already bold; Slack cannot nest `*` inside `*`.
        if (!inHeading) out += '*';
        break;
      case 'em_open':
      case 'em_close':
        out += '_';
        break;
      case 's_open':
      case 's_close':
        out += '~';
        break;
      case 'link_open': {
        const end = findClose(tokens, i, 'link_open', 'link_close');
        const children = tokens.slice(i + 1, end);
        const href = String(t.attrGet('href') ?? '');
        const label = plainText(children);
        if (t.markup === 'linkify') {
          // A bare URL or address: Slack links it by itself.
          out += escapeSlack(label);
        } else if (!SLACK_LINKABLE.test(href)) {
          out += inlineMrkdwn(children, inHeading);
        } else if (
          !label.trim() ||
          label === href ||
          (t.markup === 'autolink' && !/^mailto:/i.test(href))
        ) {
          out += `<${slackUrl(href)}>`;
        } else {
          out += `<${slackUrl(href)}|${escapeSlack(label.replace(/\s+/g, ' '))}>`;
        }
        i = end;
        break;
      }
      case 'image': {
        const src = String(t.attrGet('src') ?? '');
        const alt = plainText(t.children ?? []) || t.content;
        if (/^https?:\/\//i.test(src)) {
          out += alt.trim() ? `<${slackUrl(src)}|${escapeSlack(alt)}>` : `<${slackUrl(src)}>`;
        } else {
          out += escapeSlack(alt);
        }
        break;
      }
      default:
        if (t.children?.length) out += inlineMrkdwn(t.children, inHeading);
        else if (t.content) out += escapeSlack(t.content);
    }
  }
  return out;
}

type Frame =
  | { kind: 'quote' }
  | { kind: 'list'; ordered: boolean; next: number; tight: boolean }
  | { kind: 'item'; marker: string; used: boolean };

/** Writes block content line by line under the current quote and list prefixes. */
class BlockWriter {
  lines: string[] = [];
  frames: Frame[] = [];
  private blankPending = false;

  private prefix(consume: boolean): string {
    let out = '';
    for (const f of this.frames) {
      if (f.kind === 'quote') out += '> ';
      else if (f.kind === 'item') {
        if (consume && !f.used) {
          out += f.marker;
          f.used = true;
        } else {
          out += ' '.repeat(f.marker.length);
        }
      }
    }
    return out;
  }

  private inTightList(): boolean {
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k];
      if (f.kind === 'list') return f.tight;
      if (f.kind === 'quote') return false;
    }
    return false;
  }

  emit(lines: string[]) {
    if (this.lines.length && this.blankPending) this.lines.push(this.prefix(false).trimEnd());
    for (const line of lines) {
      const prefix = this.prefix(true);
      this.lines.push(line ? prefix + line : prefix.trimEnd());
    }
    this.blankPending = !this.inTightList();
  }

  push(frame: Frame) {
    // The blank line before a new quote or list belongs to the enclosing container.
    if (this.lines.length && this.blankPending) {
      this.lines.push(this.prefix(false).trimEnd());
      this.blankPending = false;
    }
    this.frames.push(frame);
  }

  pop() {
    const top = this.frames[this.frames.length - 1];
    if (top?.kind === 'item' && !top.used) this.emit(['']);
    const f = this.frames.pop();
    this.blankPending = !this.inTightList();
    return f;
  }

  currentList() {
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k];
      if (f.kind === 'list') return f;
    }
    return undefined;
  }
}

function isTight(tokens: Token[], listIndex: number): boolean {
  const level = tokens[listIndex].level;
  for (let j = listIndex + 1; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.level <= level && t.type.endsWith('_list_close')) break;
    if (t.type === 'paragraph_open' && t.level === level + 2) return t.hidden;
  }
  return true;
}

/**
 * An agent's Markdown as Slack mrkdwn `text`. Literal text is escaped (`& < >`) before any
 * mrkdwn syntax is added, so only the links generated here are `<…>` tokens.
 */
export function markdownToMrkdwn(markdown: string): string {
  const tokens = outgoingParser.parse(markdown ?? '', {});
  const w = new BlockWriter();
  let heading = false;
  let table: { rows: string[][]; row: string[]; header: boolean } | undefined;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    switch (t.type) {
      case 'heading_open':
        heading = true;
        break;
      case 'heading_close':
        heading = false;
        break;
      case 'inline': {
        const text = inlineMrkdwn(t.children ?? [], heading);
        if (table) table.row.push(table.header && text.trim() ? `*${text.trim()}*` : text.trim());
        else if (heading) {
          if (text.trim()) w.emit([`*${text.trim()}*`]);
        } else w.emit(text.split('\n'));
        break;
      }
      case 'fence':
      case 'code_block': {
        const code = escapeSlack(t.content.replace(/\n$/, ''));
        w.emit(['```', ...code.split('\n'), '```']);
        break;
      }
      case 'hr':
        w.emit(['———']);
        break;
      case 'blockquote_open':
        w.push({ kind: 'quote' });
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        w.push({
          kind: 'list',
          ordered: t.type === 'ordered_list_open',
          next: Number(t.attrGet('start') ?? 1),
          tight: isTight(tokens, i),
        });
        break;
      case 'list_item_open': {
        const list = w.currentList();
        let marker = '• ';
        if (list?.ordered) {
          // Numbered as Markdown renders them (`1. 1. 1.` shows 1, 2, 3), from the list's start.
          marker = `${list.next}. `;
          list.next++;
        }
        w.push({ kind: 'item', marker, used: false });
        break;
      }
      case 'blockquote_close':
      case 'bullet_list_close':
      case 'ordered_list_close':
      case 'list_item_close':
        w.pop();
        break;
      case 'table_open':
        table = { rows: [], row: [], header: false };
        break;
      case 'thead_open':
        if (table) table.header = true;
        break;
      case 'thead_close':
        if (table) table.header = false;
        break;
      case 'tr_open':
        if (table) table.row = [];
        break;
      case 'tr_close':
        if (table) table.rows.push(table.row);
        break;
      case 'table_close':
        if (table) w.emit(table.rows.map((r) => r.join(' | ')));
        table = undefined;
        break;
      case 'html_block':
        w.emit(escapeSlack(t.content.replace(/\n$/, '')).split('\n'));
        break;
    }
  }
  return w.lines.join('\n').replace(/^\n+|\s+$/g, '');
}

// ---------------------------------------------------------------------------------------------
// Splitting long replies
// ---------------------------------------------------------------------------------------------

interface Unit {
  text: string;
  /** The separator that preceded it in the original text. */
  sep: string;
  /** For a fenced code block: how to reopen and close it when it must be split. */
  fence?: { reopen: string; close: string };
}

const FENCE = '```';

function countFences(line: string): number {
  return line.split(FENCE).length - 1;
}

/** Cuts `text` to at most `max` characters, preferring whitespace, never inside a `<…>` token,
 * an `&…;` entity or a surrogate pair. */
function cutPoint(text: string, max: number): number {
  let cut = max;
  const safe = (at: number) => {
    const open = text.lastIndexOf('<', at - 1);
    if (open >= 0 && text.lastIndexOf('>', at - 1) < open && text.indexOf('>', open) >= at) {
      return false;
    }
    const amp = text.lastIndexOf('&', at - 1);
    if (
      amp >= 0 &&
      at - amp < 10 &&
      /^&[#\w]+;/.test(text.slice(amp)) &&
      text.indexOf(';', amp) >= at
    ) {
      return false;
    }
    const code = text.charCodeAt(at - 1);
    return !(code >= 0xd800 && code <= 0xdbff);
  };
  for (let at = max; at > max / 2; at--) {
    if (/\s/.test(text[at] ?? '') && safe(at)) return at;
  }
  while (cut > 1 && !safe(cut)) cut--;
  return cut > 1 ? cut : max;
}

function splitLongLine(line: string, max: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[ \t]+/, '');
  }
  if (rest) out.push(rest);
  return out;
}

/** Greedy packing of lines into pieces of at most `max` characters joined by newlines. */
function packLines(lines: string[], max: number): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of lines.flatMap((l) => (l.length > max ? splitLongLine(l, max) : [l]))) {
    if (current === undefined) current = line;
    else if (current.length + 1 + line.length <= max) current += `\n${line}`;
    else {
      out.push(current);
      current = line;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

function toUnits(text: string): Unit[] {
  const units: Unit[] = [];
  const lines = text.split('\n');
  let sep = '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      sep += '\n';
      i++;
      continue;
    }
    const start = i;
    const unitSep = units.length ? `\n${sep}` : '';
    sep = '';
    if (countFences(line) % 2 === 1) {
      // A fenced block runs to the line that closes it (or to the end).
      i++;
      while (i < lines.length && countFences(lines[i]) % 2 === 0) i++;
      i = Math.min(i + 1, lines.length);
      // Reopen under the same quote/indentation, without any text that preceded the fence.
      const prefix = /^(?:[ \t]*>[ \t]?)*[ \t]*/.exec(line)?.[0] ?? '';
      units.push({
        text: lines.slice(start, i).join('\n'),
        sep: unitSep,
        fence: { reopen: prefix + FENCE, close: prefix.trimEnd() + FENCE },
      });
      continue;
    }
    i++;
    while (i < lines.length && lines[i].trim() && countFences(lines[i]) % 2 === 0) i++;
    units.push({ text: lines.slice(start, i).join('\n'), sep: unitSep });
  }
  return units;
}

function splitUnit(unit: Unit, limit: number): Unit[] {
  const lines = unit.text.split('\n');
  if (!unit.fence) {
    return packLines(lines, limit).map((text, k) => ({ text, sep: k ? '\n' : unit.sep }));
  }
  const { reopen, close } = unit.fence;
  const budget = limit - reopen.length - close.length - 2;
  const parts = packLines(lines, Math.max(budget, 1));
  return parts.map((part, k) => {
    const head = k > 0 ? `${reopen}\n` : '';
    const tail = k < parts.length - 1 ? `\n${close}` : '';
    return { text: head + part + tail, sep: k ? '\n' : unit.sep };
  });
}

/**
 * Splits a long mrkdwn reply into messages of at most `limit` characters, at paragraph
 * boundaries first, then at line boundaries, then at spaces. A code fence is kept whole when it
 * fits; when it cannot, every part is closed and the next one reopens it.
 */
export function splitForSlack(text: string, limit = 3500): string[] {
  if (!Number.isInteger(limit) || limit < 16) throw new RangeError('limit must be at least 16');
  const body = text.replace(/\s+$/, '').replace(/^\n+/, '');
  if (!body.trim()) return [];
  if (body.length <= limit) return [body];

  const units = toUnits(body).flatMap((u) => (u.text.length > limit ? splitUnit(u, limit) : [u]));
  const chunks: string[] = [];
  let current = '';
  for (const unit of units) {
    if (!current) current = unit.text;
    else if (current.length + unit.sep.length + unit.text.length <= limit) {
      current += unit.sep + unit.text;
    } else {
      chunks.push(current);
      current = unit.text;
    }
  }
  if (current) chunks.push(current);
  return chunks.map((c) => c.replace(/\s+$/, ''));
}
