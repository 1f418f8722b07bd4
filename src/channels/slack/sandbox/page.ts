/**
 * HTML for the sandbox: the /sandbox chat page (one self-contained page, inline CSS and JS,
 * no external resources), the OAuth authorize page, and Slack's look-alike login and error
 * pages. Server-side text goes through `esc`; the page's script builds DOM nodes with
 * textContent only, never innerHTML with data.
 */
import type { SlackSandbox } from './sandbox.ts';
import { ACCOUNT_USER_ID } from './workspace.ts';

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe to place inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const BASE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.46668 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d1c1d;background:#f4ede4}
a{color:#1264a3}
.card{max-width:560px;margin:56px auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:32px 40px}
.brand{display:flex;align-items:center;gap:10px;font-weight:900;font-size:18px;margin-bottom:20px}
.brand .logo{width:28px;height:28px;border-radius:6px;background:#4a154b;color:#fff;display:grid;place-items:center;font-size:15px}
h1{font-size:26px;line-height:1.25;margin:0 0 8px}
p.muted{margin:0 0 18px}
.muted{color:#616061}
ul.scopes{list-style:none;padding:0;margin:0 0 24px;border:1px solid #ddd;border-radius:6px}
ul.scopes li{padding:10px 14px;border-top:1px solid #eee}
ul.scopes li:first-child{border-top:0}
ul.scopes code{font-size:12px;color:#616061}
.section{font-weight:700;margin:18px 0 8px}
.actions{display:flex;gap:12px;justify-content:flex-end}
button{font:inherit;font-weight:700;border-radius:4px;padding:8px 18px;cursor:pointer;border:1px solid #bbb;background:#fff;color:#1d1c1d}
button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
button.primary:hover{background:#148567}
.who{display:flex;align-items:center;gap:10px;background:#f8f8f8;border-radius:6px;padding:10px 12px;margin-bottom:18px}
.who img{width:32px;height:32px;border-radius:4px}
`;

function shell(title: string, body: string, css = BASE_CSS): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}</style></head>
<body>${body}</body></html>`;
}

const SCOPE_TEXT: Record<string, string> = {
  'chat:write': 'Send messages as the app',
  'chat:write.customize': 'Send messages with a customized username and avatar',
  'im:history': 'View messages in direct messages the app is in',
  'im:read': 'View basic information about direct messages the app is in',
  'im:write': 'Start direct messages with people',
  'mpim:history': 'View messages in group direct messages the app is in',
  'mpim:read': 'View basic information about group direct messages',
  'mpim:write': 'Start group direct messages with people',
  'users:read': 'View people in the workspace',
  'users:read.email': 'View email addresses of people in the workspace',
  'files:read': 'View files shared in conversations the app is in',
  'files:write': 'Upload, edit, and delete files',
  'reactions:write': 'Add and edit emoji reactions',
  'reactions:read': 'View emoji reactions',
  'team:read': 'View the name, email domain, and icon of the workspace',
  'app_mentions:read': 'View messages that directly mention the app',
  'channels:history': 'View messages in public channels the app is in',
};

function scopeList(scopes: string[]): string {
  return `<ul class="scopes">${scopes
    .map(
      (s) =>
        `<li>${esc(SCOPE_TEXT[s] ?? 'Use the permission below')}<br><code>${esc(s)}</code></li>`,
    )
    .join('')}</ul>`;
}

export function authorizePage(
  sb: SlackSandbox,
  req: {
    clientId: string;
    scopes: string[];
    userScopes: string[];
    redirectUri: string;
    state: string | null;
    team: string | null;
  },
): string {
  const ws = sb.workspace;
  const team = ws.homeTeam;
  const me = ws.user(ACCOUNT_USER_ID)!;
  const hidden = (name: string, value: string | null) =>
    value === null ? '' : `<input type="hidden" name="${name}" value="${esc(value)}">`;
  const approval =
    ws.state.approval.required && !ws.state.approval.approved
      ? `<p class="muted">This workspace requires admin approval for new apps. Clicking Allow submits a request.</p>`
      : '';
  const body = `<div class="card">
  <div class="brand"><span class="logo">#</span>${esc(team.name)}</div>
  <h1>Install ${esc(sb.appName)} to ${esc(team.name)}</h1>
  <p class="muted">${esc(sb.appName)} is requesting permission to access the ${esc(team.name)} Slack workspace (sandbox).</p>
  <div class="who"><img alt="" src="${esc(`${sb.prefix}/avatars/${me.id}/72.png`)}"><div><b>${esc(me.real_name)}</b><br><span class="muted">${esc(me.email ?? '')} · signed in</span></div></div>
  ${req.scopes.length ? `<div class="section">What will ${esc(sb.appName)} be able to do?</div>${scopeList(req.scopes)}` : ''}
  ${
    req.userScopes.length
      ? `<div class="section">${esc(sb.appName)} will act on your behalf (as ${esc(me.real_name)}):</div>${scopeList(req.userScopes)}`
      : ''
  }
  ${approval}
  <form method="post" action="${esc(`${sb.prefix}/oauth/v2/authorize`)}">
    ${hidden('client_id', req.clientId)}${hidden('scope', req.scopes.join(','))}${hidden('user_scope', req.userScopes.join(','))}
    ${hidden('redirect_uri', req.redirectUri)}${hidden('state', req.state)}${hidden('team', req.team)}
    <div class="actions">
      <button type="submit" name="action" value="cancel">Cancel</button>
      <button type="submit" name="action" value="allow" class="primary">Allow</button>
    </div>
  </form>
</div>`;
  return shell(`Install ${sb.appName} to ${team.name}`, body);
}

export function pendingApprovalPage(sb: SlackSandbox): string {
  const team = sb.workspace.homeTeam;
  return shell(
    'Request submitted',
    `<div class="card"><div class="brand"><span class="logo">#</span>${esc(team.name)}</div>
<h1>Request submitted — waiting for a workspace admin</h1>
<p class="muted">An admin of ${esc(team.name)} has to approve ${esc(sb.appName)}. You will be sent back to ${esc(sb.appName)} once it is approved.</p></div>`,
  );
}

export function loginPage(sb: SlackSandbox): string {
  const team = sb.workspace.homeTeam;
  return shell(
    `Sign in to ${team.name} | Slack`,
    `<div class="card"><div class="brand"><span class="logo">#</span>slack</div>
<h1>Sign in to ${esc(team.name)}</h1>
<p class="muted">${esc(team.domain)}.slack.com (sandbox)</p>
<p>You need to sign in to see this file.</p></div>`,
  );
}

export function errorPage(title: string, message: string): string {
  return shell(
    title,
    `<div class="card"><div class="brand"><span class="logo">#</span>slack</div><h1>${esc(title)}</h1><p class="muted">${esc(message)}</p></div>`,
  );
}

const PAGE_CSS = `
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;font:15px/1.46668 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d1c1d;background:#fff;display:flex;flex-direction:column}
a{color:#1264a3;text-decoration:none}a:hover{text-decoration:underline}
button{font:inherit;cursor:pointer}
.top{background:#350d36;color:#fff;padding:8px 16px;display:flex;align-items:center;gap:14px;font-size:13px}
.top b{font-size:14px;white-space:nowrap}
.top .explain{opacity:.85}
.app{flex:1;display:flex;min-height:0}
.side{width:260px;background:#3f0e40;color:#cfc3cf;display:flex;flex-direction:column;overflow:auto}
.ws{color:#fff;font-weight:900;font-size:18px;padding:14px 16px;border-bottom:1px solid #522653}
.side h3{font-size:13px;font-weight:600;margin:16px 16px 6px;color:#cfc3cf}
.item{display:flex;align-items:center;gap:8px;padding:5px 16px;cursor:pointer;color:#cfc3cf;border:0;background:none;width:100%;text-align:left;font-size:15px}
.item:hover{background:#350d36}
.item.active{background:#1164a3;color:#fff}
.item img{width:20px;height:20px;border-radius:4px}
.item small{opacity:.8;font-size:11px}
.badge{font-size:10px;font-weight:700;background:rgba(255,255,255,.16);color:inherit;border-radius:3px;padding:0 4px}
.side .note{font-size:12px;padding:10px 16px;line-height:1.4}
.side .warn{color:#ffd57e}
main{flex:1;display:flex;flex-direction:column;min-width:0;border-right:1px solid #ddd}
.head{display:flex;align-items:center;gap:10px;padding:10px 20px;border-bottom:1px solid #ddd;min-height:49px}
.head img{width:24px;height:24px;border-radius:4px}
.head .title{font-weight:900;font-size:18px}
.head .meta{color:#616061;font-size:12px;margin-left:auto}
.app-badge{font-size:10px;font-weight:700;background:#ddd;color:#616061;border-radius:3px;padding:1px 4px;vertical-align:2px}
.messages{flex:1;overflow:auto;padding:12px 0}
.empty{color:#616061;text-align:center;margin-top:40px}
.msg{display:flex;gap:8px;padding:6px 20px;position:relative}
.msg:hover{background:#f8f8f8}
.msg img.av{width:36px;height:36px;border-radius:4px;flex:none}
.msg .body{min-width:0;flex:1}
.msg .name{font-weight:900}
.msg .time{color:#616061;font-size:12px;margin-left:6px}
.msg .text{white-space:pre-wrap;word-wrap:break-word}
.msg .edited{color:#616061;font-size:12px}
.msg code{font:12px Menlo,Consolas,monospace;background:#f6f6f6;border:1px solid #e0e0e0;border-radius:3px;padding:1px 3px;color:#e01e5a}
.msg pre{font:12px Menlo,Consolas,monospace;background:#f8f8f8;border:1px solid #e0e0e0;border-radius:4px;padding:8px;white-space:pre-wrap;margin:4px 0}
.msg blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:10px}
.file{display:flex;align-items:center;gap:10px;border:1px solid #ddd;border-radius:8px;padding:8px 12px;margin-top:4px;max-width:380px;background:#fff}
.file .icon{width:34px;height:34px;border-radius:6px;background:#1264a3;color:#fff;display:grid;place-items:center;font-size:11px;font-weight:700;flex:none}
.file .fname{font-weight:700;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.file small{color:#616061}
.file img.preview{max-width:100%;max-height:200px;border-radius:4px}
.replies{margin-top:4px;font-size:13px;font-weight:700;color:#1264a3;background:none;border:0;padding:0}
.reacts{display:flex;gap:4px;margin-top:4px}
.react{font-size:12px;border:1px solid #ddd;border-radius:12px;padding:0 6px;background:#f8f8f8}
.tools{position:absolute;right:20px;top:-10px;display:none;background:#fff;border:1px solid #ddd;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.msg:hover .tools{display:flex}
.tools button{border:0;background:none;padding:4px 8px;font-size:12px;color:#1d1c1d}
.tools button:hover{background:#f0f0f0}
.composer{margin:0 20px 16px;border:1px solid #bbb;border-radius:8px;background:#fff}
.composer:focus-within{border-color:#1264a3;box-shadow:0 0 0 1px #1264a3}
.composer textarea{width:100%;border:0;resize:none;padding:10px 12px;font:inherit;outline:none;min-height:44px;max-height:200px;border-radius:8px}
.bar{display:flex;align-items:center;gap:8px;padding:4px 8px;border-top:1px solid #eee}
.bar .spacer{flex:1}
.icon-btn{border:0;background:none;border-radius:4px;padding:4px 8px;color:#616061}
.icon-btn:hover{background:#f0f0f0}
.send{background:#007a5a;color:#fff;border:0;border-radius:4px;padding:4px 12px;font-weight:700}
.send:disabled{background:#ddd;color:#888;cursor:default}
.chips{display:flex;flex-wrap:wrap;gap:6px;padding:0 8px}
.chip{font-size:12px;background:#f0f0f0;border-radius:12px;padding:2px 8px}
.chip button{border:0;background:none;padding:0 0 0 4px;color:#616061}
.editing{font-size:12px;color:#616061;padding:6px 12px 0}
.status{font-size:12px;color:#616061;padding:0 22px 6px;min-height:18px}
.status.bad{color:#e01e5a}
.thread{width:380px;display:flex;flex-direction:column;min-width:0}
.thread[hidden]{display:none}
.thread .head .title{font-size:16px}
.thread .hint{background:#fff8e5;border-bottom:1px solid #f2e3b3;font-size:13px;padding:8px 16px}
.close{margin-left:auto;border:0;background:none;font-size:18px;color:#616061}
@media (max-width:900px){.side{width:200px}.thread{position:fixed;inset:0;background:#fff;width:auto;z-index:3}}
`;

const CLIP =
  '<svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" style="vertical-align:-3px"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4L16 7.1"/></svg>';

const PAGE_SCRIPT = String.raw`
'use strict';
var P = CONFIG.prefix;
var S = { person: null, to: null, state: null, convo: null, lastJson: '', thread: null,
          editing: null, files: [], threadFiles: [] };
function $(id) { return document.getElementById(id); }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}
function api(method, path, body) {
  var opts = { method: method, headers: { 'x-sandbox-secret': CONFIG.secret } };
  if (body !== undefined) { opts.headers['content-type'] = 'application/json'; opts.body = JSON.stringify(body); }
  return fetch(P + path, opts).then(function (r) {
    return r.json().then(function (j) {
      if (!r.ok || j.ok === false) throw new Error(j.message || j.error || ('HTTP ' + r.status));
      return j;
    });
  });
}
function unescapeSlack(s) { return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'); }
function safeHref(u) { return /^(https?:|mailto:)/i.test(u) ? u : null; }

// Slack mrkdwn (and the Markdown the help desk may send) to DOM nodes; text only via textContent.
function renderInline(text, parent, users) {
  var re = new RegExp('<([^>\\s]+)>|\\*\\*([^*]+)\\*\\*|\\[([^\\]]+)\\]\\((https?:[^)\\s]+)\\)|\\*([^*\\n]+)\\*|(^|[\\s(])_([^_\\n]+)_|~([^~\\n]+)~|\x60([^\x60\\n]+)\x60', 'g');
  var last = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > last) parent.appendChild(document.createTextNode(unescapeSlack(text.slice(last, m.index))));
    if (m[1] !== undefined) {
      var tok = m[1], bar = tok.indexOf('|'), target = bar < 0 ? tok : tok.slice(0, bar), label = bar < 0 ? '' : tok.slice(bar + 1);
      if (target.charAt(0) === '@') parent.appendChild(el('b', null, '@' + (users[target.slice(1)] || label || target.slice(1))));
      else if (target.charAt(0) === '#') parent.appendChild(el('b', null, '#' + (label || target.slice(1))));
      else if (target.charAt(0) === '!') parent.appendChild(el('b', null, '@' + (label || target.slice(1).split('^')[0])));
      else {
        var href = safeHref(unescapeSlack(target));
        var a = el(href ? 'a' : 'span', null, unescapeSlack(label || target));
        if (href) { a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer'; }
        parent.appendChild(a);
      }
    } else if (m[2] !== undefined) parent.appendChild(el('b', null, unescapeSlack(m[2])));
    else if (m[3] !== undefined) {
      var l = el('a', null, unescapeSlack(m[3])); l.href = m[4]; l.target = '_blank'; l.rel = 'noopener noreferrer'; parent.appendChild(l);
    }
    else if (m[5] !== undefined) parent.appendChild(el('b', null, unescapeSlack(m[5])));
    else if (m[7] !== undefined) { parent.appendChild(document.createTextNode(m[6])); parent.appendChild(el('i', null, unescapeSlack(m[7]))); }
    else if (m[8] !== undefined) parent.appendChild(el('s', null, unescapeSlack(m[8])));
    else if (m[9] !== undefined) parent.appendChild(el('code', null, unescapeSlack(m[9])));
    last = re.lastIndex;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(unescapeSlack(text.slice(last))));
}
function renderText(text, users) {
  var box = el('div', 'text');
  var fence = '\x60\x60\x60';
  var chunks = text.split(fence);
  chunks.forEach(function (chunk, i) {
    if (i % 2 === 1) { box.appendChild(el('pre', null, unescapeSlack(chunk.replace(/^\n/, '')))); return; }
    chunk.split('\n').forEach(function (line, j, lines) {
      var quote = /^(&gt;|>) ?/.exec(line);
      var target = box;
      if (quote) { target = el('blockquote'); box.appendChild(target); line = line.slice(quote[0].length); }
      renderInline(line, target, users);
      if (j < lines.length - 1 && !quote) box.appendChild(document.createTextNode('\n'));
    });
  });
  return box;
}
function fmtTime(ts) {
  var d = new Date(parseFloat(ts) * 1000);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
function fmtSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1048576).toFixed(1) + ' MB';
}
function fileNode(f) {
  var box = el('div', 'file');
  if (/^image\/(png|jpeg|gif|webp)$/.test(f.mimetype)) {
    var img = el('img', 'preview'); img.alt = f.name; img.src = f.url;
    var link = el('a'); link.href = f.url; link.target = '_blank'; link.appendChild(img);
    box.appendChild(link);
    return box;
  }
  var ext = (f.name.split('.').pop() || 'file').slice(0, 4).toUpperCase();
  box.appendChild(el('div', 'icon', ext));
  var info = el('div'); info.style.minWidth = '0';
  var a = el('a', 'fname', f.title || f.name); a.href = f.url; a.setAttribute('download', f.name);
  info.appendChild(a); info.appendChild(el('br'));
  info.appendChild(el('small', null, fmtSize(f.size) + ' · ' + f.mimetype));
  box.appendChild(info);
  return box;
}
function messageNode(m, convo, opts) {
  var row = el('div', 'msg');
  var av = el('img', 'av'); av.alt = ''; av.src = m.avatar; row.appendChild(av);
  var body = el('div', 'body');
  var line = el('div');
  line.appendChild(el('span', 'name', m.name));
  if (m.is_bot) { line.appendChild(document.createTextNode(' ')); line.appendChild(el('span', 'app-badge', 'APP')); }
  line.appendChild(el('span', 'time', fmtTime(m.ts)));
  body.appendChild(line);
  if (m.text) body.appendChild(renderText(m.text, convo.users));
  if (m.edited) body.appendChild(el('span', 'edited', '(edited)'));
  (m.files || []).forEach(function (f) { body.appendChild(fileNode(f)); });
  if (m.reactions && m.reactions.length) {
    var rs = el('div', 'reacts');
    m.reactions.forEach(function (r) { rs.appendChild(el('span', 'react', ':' + r.name + ': ' + r.count)); });
    body.appendChild(rs);
  }
  if (opts.replies) {
    var btn = el('button', 'replies', opts.replies + (opts.replies === 1 ? ' reply' : ' replies'));
    btn.onclick = function () { openThread(m.ts); };
    body.appendChild(btn);
  }
  row.appendChild(body);
  var tools = el('div', 'tools');
  if (!opts.inThread) {
    var t = el('button', null, 'Reply in thread'); t.onclick = function () { openThread(m.ts); }; tools.appendChild(t);
  }
  if (opts.lastOwn) {
    var e = el('button', null, 'Edit'); e.onclick = function () { startEdit(m); }; tools.appendChild(e);
    var d = el('button', null, 'Delete'); d.onclick = function () { removeMessage(m); }; tools.appendChild(d);
  }
  if (tools.childNodes.length) row.appendChild(tools);
  return row;
}
function render() {
  var c = S.convo;
  if (!c) return;
  var box = $('messages');
  var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.textContent = '';
  var top = c.messages.filter(function (m) { return !m.thread_ts || m.thread_ts === m.ts; });
  var own = top.filter(function (m) { return m.own; });
  var lastOwn = own.length ? own[own.length - 1].ts : null;
  if (!top.length) box.appendChild(el('div', 'empty', 'This is the very beginning of your direct message history with ' + c.identity.name + '. Say hello!'));
  top.forEach(function (m) {
    var replies = c.messages.filter(function (r) { return r.thread_ts === m.ts && r.ts !== m.ts; }).length;
    box.appendChild(messageNode(m, c, { replies: replies, lastOwn: m.ts === lastOwn }));
  });
  if (atBottom || S.scrollDown) { box.scrollTop = box.scrollHeight; S.scrollDown = false; }
  $('head-name').textContent = c.identity.name;
  $('head-badge').hidden = !c.identity.is_bot;
  $('head-avatar').src = c.identity.avatar;
  $('head-meta').textContent = 'DM ' + c.channel;
  $('input').placeholder = 'Message ' + c.identity.name;
  renderThread();
}
function renderThread() {
  var pane = $('thread');
  if (!S.thread || !S.convo) { pane.hidden = true; return; }
  var c = S.convo;
  var parent = c.messages.filter(function (m) { return m.ts === S.thread; })[0];
  if (!parent) { S.thread = null; pane.hidden = true; return; }
  pane.hidden = false;
  var box = $('thread-messages');
  box.textContent = '';
  box.appendChild(messageNode(parent, c, { inThread: true }));
  c.messages.filter(function (m) { return m.thread_ts === S.thread && m.ts !== S.thread; })
    .forEach(function (m) { box.appendChild(messageNode(m, c, { inThread: true })); });
}
function openThread(ts) { S.thread = ts; renderThread(); $('thread-input').focus(); }
function poll() {
  if (!S.person) return;
  var q = '/ui/conversation?user=' + encodeURIComponent(S.person) + (S.to ? '&to=' + S.to : '');
  api('GET', q).then(function (c) {
    var json = JSON.stringify(c);
    if (json !== S.lastJson) { S.lastJson = json; S.convo = c; render(); }
  }).catch(function (e) { setStatus('Could not load the conversation: ' + e.message, true); });
}
function loadState() {
  return api('GET', '/ui/state').then(function (st) {
    S.state = st;
    var people = $('people'); people.textContent = '';
    st.people.forEach(function (p) {
      var b = el('button', 'item' + (p.id === S.person ? ' active' : ''));
      var img = el('img'); img.alt = ''; img.src = p.avatar; b.appendChild(img);
      var label = el('span', null, p.name + ' ');
      label.appendChild(el('small', null, p.external ? p.team + ' · Slack Connect' : 'internal'));
      b.appendChild(label);
      b.onclick = function () { choosePerson(p.id); };
      people.appendChild(b);
    });
    var dms = $('dms'); dms.textContent = '';
    var ids = [];
    if (st.installed.bot || !st.installed.account) ids.push('bot');
    if (st.installed.account) ids.push('account');
    if (!S.to || ids.indexOf(S.to) < 0) S.to = st.default_to;
    ids.forEach(function (id) {
      var b = el('button', 'item' + (id === S.to ? ' active' : ''));
      var img = el('img'); img.alt = ''; img.src = P + '/avatars/' + (id === 'bot' ? 'U0BOT' : 'U0HELP') + '/48.png'; b.appendChild(img);
      b.appendChild(el('span', null, id === 'bot' ? st.app + ' ' : 'IT Help '));
      b.appendChild(el('span', 'badge', id === 'bot' ? 'APP' : 'account'));
      b.onclick = function () { S.to = id; S.lastJson = ''; S.thread = null; loadState(); poll(); };
      dms.appendChild(b);
    });
    var warn = $('install-note');
    if (!st.installed.bot && !st.installed.account) {
      warn.textContent = st.app + ' is not installed in this workspace yet. Connect Slack from ' + st.app + "'s admin settings; messages sent now still go to its events URL.";
      warn.className = 'note warn';
    } else {
      warn.textContent = st.pending_approvals ? st.pending_approvals + ' install request(s) wait for admin approval.' : '';
      warn.className = 'note';
    }
  });
}
function choosePerson(id) {
  S.person = id; S.lastJson = ''; S.thread = null; S.editing = null; S.scrollDown = true;
  var url = new URL(location.href); url.searchParams.set('user', id); history.replaceState(null, '', url);
  loadState(); poll();
}
function setStatus(text, bad) { var s = $('status'); s.textContent = text; s.className = 'status' + (bad ? ' bad' : ''); }
function describe(res) {
  var d = res.delivery;
  if (!d) return 'Sent.';
  var socket = d.transport === 'socket';
  if (d.status === 'acked') return 'Delivered to ' + S.state.app + (socket ? ' over Socket Mode.' : ' (HTTP ' + d.http_status + ').');
  if (d.status === 'queued') return S.state.app + ' is not connected over Socket Mode; the event waits until it connects.';
  var why = d.reason === 'http_timeout' || d.reason === 'timeout' ? 'no ack within the deadline' : d.reason === 'connection_failed' ? 'could not connect' : 'HTTP ' + d.http_status;
  return S.state.app + ' did not acknowledge the event (' + why + ')' + (d.will_retry ? '; Slack will retry.' : '.');
}
function readFiles(list) {
  return Promise.all(Array.prototype.map.call(list, function (f) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { var s = String(r.result); resolve({ name: f.name, mimetype: f.type || undefined, content_base64: s.slice(s.indexOf(',') + 1) }); };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(f);
    });
  }));
}
function renderChips(which) {
  var box = $(which === 'thread' ? 'thread-chips' : 'chips');
  var list = which === 'thread' ? S.threadFiles : S.files;
  box.textContent = '';
  list.forEach(function (f, i) {
    var chip = el('span', 'chip', f.name);
    var x = el('button', null, '×'); x.title = 'Remove';
    x.onclick = function () { list.splice(i, 1); renderChips(which); };
    chip.appendChild(x); box.appendChild(chip);
  });
}
function send(which) {
  var input = $(which === 'thread' ? 'thread-input' : 'input');
  var text = input.value;
  var files = which === 'thread' ? S.threadFiles : S.files;
  if (!text.trim() && !files.length) return;
  var req;
  if (which === 'main' && S.editing) {
    req = api('POST', '/ui/edit', { channel: S.convo.channel, ts: S.editing, text: text });
  } else {
    var body = { user: S.person, to: S.to, text: text || undefined, files: files.length ? files : undefined };
    if (which === 'thread') body.thread_ts = S.thread;
    req = api('POST', '/ui/send', body);
  }
  input.disabled = true;
  req.then(function (res) {
    input.value = '';
    files.length = 0; renderChips(which);
    if (which === 'main') { S.editing = null; $('editing').hidden = true; }
    S.scrollDown = which === 'main';
    setStatus(describe(res) + (which === 'thread' ? ' Thread replies are not added to the ticket.' : ''), res.delivery && res.delivery.status !== 'acked');
    poll();
  }).catch(function (e) { setStatus('Not sent: ' + e.message, true); })
    .then(function () { input.disabled = false; input.focus(); });
}
function startEdit(m) {
  S.editing = m.ts;
  var input = $('input');
  input.value = unescapeSlack(m.text);
  $('editing').hidden = false;
  input.focus();
}
function removeMessage(m) {
  if (!confirm('Delete this message?')) return;
  api('POST', '/ui/delete', { channel: S.convo.channel, ts: m.ts })
    .then(function (res) { setStatus('Deleted. ' + describe(res)); poll(); })
    .catch(function (e) { setStatus('Not deleted: ' + e.message, true); });
}
function wireComposer(which) {
  var input = $(which === 'thread' ? 'thread-input' : 'input');
  var picker = $(which === 'thread' ? 'thread-file' : 'file');
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(which); }
    if (ev.key === 'Escape' && which === 'main' && S.editing) { S.editing = null; input.value = ''; $('editing').hidden = true; }
  });
  picker.addEventListener('change', function () {
    readFiles(picker.files).then(function (list) {
      var target = which === 'thread' ? S.threadFiles : S.files;
      list.forEach(function (f) { target.push(f); });
      picker.value = ''; renderChips(which);
    });
  });
  $(which === 'thread' ? 'thread-send' : 'send').onclick = function () { send(which); };
  $(which === 'thread' ? 'thread-attach' : 'attach').onclick = function () { picker.click(); };
}
wireComposer('main');
wireComposer('thread');
$('thread-close').onclick = function () { S.thread = null; renderThread(); };
var params = new URLSearchParams(location.search);
S.to = params.get('to');
loadState().then(function () {
  var wanted = params.get('user');
  var ok = S.state.people.some(function (p) { return p.id === wanted; });
  choosePerson(ok ? wanted : S.state.people[0].id);
  setInterval(poll, 1000);
  setInterval(loadState, 5000);
}).catch(function (e) { setStatus('Could not reach the sandbox: ' + e.message, true); });
`;

export function sandboxPage(sb: SlackSandbox): string {
  const team = sb.workspace.homeTeam;
  // The page is served only to clients the sandbox answers (see access.ts), so it may carry
  // the control secret its own calls need.
  const config = { prefix: sb.prefix, app: sb.appName, secret: sb.controlSecret };
  const body = `
<div class="top"><b>Parley Slack sandbox</b><span class="explain">A simulated Slack workspace: what you type here reaches ${esc(sb.appName)} as signed Slack events, and the help desk's replies appear here. Thread replies stay in Slack — the help desk only reads the main conversation.</span></div>
<div class="app">
  <aside class="side">
    <div class="ws">${esc(team.name)}</div>
    <h3>You are</h3>
    <div id="people"></div>
    <h3>Direct messages</h3>
    <div id="dms"></div>
    <div id="install-note" class="note"></div>
  </aside>
  <main>
    <div class="head"><img id="head-avatar" alt=""><span class="title" id="head-name"></span><span class="app-badge" id="head-badge" hidden>APP</span><span class="meta" id="head-meta"></span></div>
    <div class="messages" id="messages" aria-live="polite"></div>
    <div class="status" id="status"></div>
    <div class="composer">
      <div class="editing" id="editing" hidden>Editing your message — Enter to save, Esc to cancel</div>
      <textarea id="input" rows="1" aria-label="Message"></textarea>
      <div class="chips" id="chips"></div>
      <div class="bar"><button class="icon-btn" id="attach" title="Attach files" type="button">${CLIP} Attach</button><input type="file" id="file" multiple hidden><span class="spacer"></span><button class="send" id="send" type="button">Send</button></div>
    </div>
  </main>
  <section class="thread" id="thread" hidden>
    <div class="head"><span class="title">Thread</span><button class="close" id="thread-close" title="Close" type="button">×</button></div>
    <div class="hint">Replies in a thread are not forwarded to the help desk: Parley only reads the main conversation.</div>
    <div class="messages" id="thread-messages"></div>
    <div class="composer">
      <textarea id="thread-input" rows="1" aria-label="Reply"  placeholder="Reply…"></textarea>
      <div class="chips" id="thread-chips"></div>
      <div class="bar"><button class="icon-btn" id="thread-attach" title="Attach files" type="button">${CLIP} Attach</button><input type="file" id="thread-file" multiple hidden><span class="spacer"></span><button class="send" id="thread-send" type="button">Send</button></div>
    </div>
  </section>
</div>
<script>var CONFIG = ${scriptJson(config)};${PAGE_SCRIPT}</script>`;
  return shell('Parley Slack sandbox', body, PAGE_CSS);
}
