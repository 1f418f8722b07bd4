import {
  Alert,
  Box,
  Button,
  Group,
  Loader,
  Menu,
  Paper,
  SegmentedControl,
  Stack,
  Tabs,
  Text,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure, useHotkeys } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import {
  lazy,
  Suspense,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type ClipboardEvent,
  type DragEvent,
  type KeyboardEvent as ReactKeyboardEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.ts';
import { useUsers } from '../../hooks.ts';
import { Attachments, type PendingUpload } from './Attachments.tsx';
import { ChangeList } from './ChangeList.tsx';
import { ConflictNotice } from './ConflictNotice.tsx';
import foldedClasses from './folded.module.css';
import { FoldedModes } from './FoldedModes.tsx';
import {
  clearDraft,
  type Draft,
  EMPTY_DRAFT,
  isEmptyDraft,
  loadDraft,
  saveDraft,
} from './draft.ts';
import { type AppliedMacro, MacroPicker } from './MacroPicker.tsx';
import { SHORTCUTS } from './shortcuts.ts';
import type { Audit, ComposerTicket, UploadedFile } from './types.ts';
import { pastedName, serverMessage, uploadFile } from './uploads.ts';

// markdown-it comes with the preview, on first use: not in the ticket page's chunk.
const Preview = lazy(() => import('./Preview.tsx'));

const SUBMIT_STATUSES = ['open', 'pending', 'solved'] as const;
type SubmitStatus = (typeof SUBMIT_STATUSES)[number];

/** Telling the presence stream "typing" at most this often. */
const TYPING_EVERY_MS = 3000;

const later = (a: string, b: string | null) => (b !== null && b > a ? b : a);

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

export interface ComposerProps {
  /** The ticket as GET /tickets/{id} returns it. */
  ticket: ComposerTicket;
  /** Called, at most every few seconds, while the agent types (presence: "… is typing"). */
  onTyping?: () => void;
  /** Called after a reply or note was saved. */
  onSubmitted?: () => void;
}

/**
 * The reply / internal note composer at the bottom of a ticket: Markdown with a preview,
 * attachments, macros, "submit as", keyboard shortcuts, and a draft that survives reloads and
 * conflicting changes (safe update).
 */
export function Composer({ ticket, onTyping, onSubmitted }: ComposerProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const headingId = useId();
  const textRef = useRef<HTMLTextAreaElement>(null);
  /** The folded field had the focus: the open composer's field takes it on. */
  const carryFocus = useRef(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const lastTyping = useRef(0);
  const [draft, setDraft] = useState<Draft>(() => loadDraft(ticket.id));
  // One line ("Reply to Rita…") until the agent goes to it; a restored draft starts open.
  const [expanded, setExpanded] = useState(() => !isEmptyDraft(draft));
  const [tab, setTab] = useState<string | null>('write');
  const [pending, setPending] = useState<PendingUpload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [conflict, setConflict] = useState<Audit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // The newest updated_at this page knows of: the ticket's, or what our last submit returned
  // before the ticket query caught up.
  const [submittedStamp, setSubmittedStamp] = useState<string | null>(null);
  const [macrosOpen, macros] = useDisclosure(false);
  const requester = useUsers(ticket.requester_id ? [ticket.requester_id] : []);
  const requesterName = ticket.requester_id
    ? (requester.data?.get(ticket.requester_id)?.name ?? '')
    : '';
  const knownStamp = later(ticket.updated_at, submittedStamp);
  const isSlack =
    ticket.from_messaging_channel === true || (ticket.via?.channel ?? '').includes('slack');
  const closed = ticket.status === 'closed';

  /** Every change of the draft goes through here: stamped when it starts, saved as it goes. */
  function update(change: (d: Draft) => Draft) {
    setDraft((prev) => {
      let next = change(prev);
      if (isEmptyDraft(next)) next = { ...next, stamp: null };
      else if (next.stamp === null) next = { ...next, stamp: knownStamp };
      saveDraft(ticket.id, next);
      return next;
    });
  }

  function typed(text: string) {
    setExpanded(true);
    update((d) => ({ ...d, text }));
    const now = Date.now();
    if (onTyping && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      onTyping();
    }
  }

  function csrf(): string | null {
    const session = client.getQueryData<{ csrf_token?: string }>(['session']);
    return session?.csrf_token ?? null;
  }

  function addFiles(files: File[], pasted = false) {
    for (const file of files) {
      const key = `${Date.now()}-${Math.random()}`;
      const name = pasted ? pastedName(file, new Date()) : file.name;
      const job = uploadFile(
        file,
        name,
        csrf(),
        (fraction) =>
          setPending((list) => list.map((p) => (p.key === key ? { ...p, progress: fraction } : p))),
        t('composer.attach.failed'),
      );
      setPending((list) => [
        ...list,
        { key, name, size: file.size, progress: 0, error: null, abort: job.abort },
      ]);
      job.done.then(
        (uploaded: UploadedFile) => {
          setPending((list) => list.filter((p) => p.key !== key));
          update((d) => ({ ...d, uploads: [...d.uploads, uploaded] }));
        },
        (err: Error) =>
          setPending((list) =>
            list.map((p) => (p.key === key ? { ...p, error: err.message, abort: null } : p)),
          ),
      );
    }
  }

  function removeUpload(token: string) {
    update((d) => ({ ...d, uploads: d.uploads.filter((u) => u.token !== token) }));
    // The token expires now; a failure only leaves it to expire by itself within the hour.
    api(`/uploads/${encodeURIComponent(token)}`, { method: 'DELETE' }).catch(() => {});
  }

  function removePending(key: string) {
    setPending((list) => {
      list.find((p) => p.key === key)?.abort?.();
      return list.filter((p) => p.key !== key);
    });
  }

  function applyMacro(applied: AppliedMacro) {
    update((d) => ({
      ...d,
      text: applied.comment
        ? d.text.trim()
          ? `${d.text.trimEnd()}\n\n${applied.comment.body}`
          : applied.comment.body
        : d.text,
      isPublic: applied.comment ? applied.comment.public : d.isPublic,
      staged: { ...d.staged, ...applied.changes },
      macroIds: d.macroIds.includes(applied.macroId)
        ? d.macroIds
        : [...d.macroIds, applied.macroId],
    }));
    setTab('write');
  }

  function invalidateTicket() {
    return client.invalidateQueries({
      predicate: (q) =>
        (q.queryKey[0] === 'ticket' && String(q.queryKey[1]) === String(ticket.id)) ||
        q.queryKey[0] === 'view' ||
        q.queryKey[0] === 'view-counts',
    });
  }

  /** A 409 from the safe update: reload the ticket, say what changed since the draft began. */
  async function showConflict(stamp: string) {
    const fresh = await api<{ ticket: ComposerTicket }>(`/tickets/${ticket.id}`);
    const audits = await api<{ audits: Audit[] }>(
      `/tickets/${ticket.id}/audits?sort_order=desc&per_page=100`,
    );
    const since = audits.audits.filter((a) => a.created_at > stamp).reverse();
    setConflict(since);
    // Sending again is a decision made against the ticket as it is now.
    update((d) => ({ ...d, stamp: fresh.ticket.updated_at }));
    await invalidateTicket();
  }

  async function submit(status?: SubmitStatus) {
    if (submitting || closed || pending.some((p) => p.error === null)) return;
    const withComment = draft.text.trim() !== '' || draft.uploads.length > 0;
    const changes = { ...draft.staged, ...(status ? { status } : {}) };
    if (!withComment && Object.keys(changes).length === 0) return;
    const stamp = draft.stamp ?? knownStamp;
    setSubmitting(true);
    setError(null);
    try {
      const res = await api<{ ticket: ComposerTicket }>(`/tickets/${ticket.id}`, {
        method: 'PUT',
        body: {
          ticket: {
            ...changes,
            ...(withComment
              ? {
                  comment: {
                    body: draft.text,
                    public: draft.isPublic,
                    ...(draft.uploads.length > 0
                      ? { uploads: draft.uploads.map((u) => u.token) }
                      : {}),
                  },
                }
              : {}),
            ...(draft.macroIds.length > 0 ? { macro_ids: draft.macroIds } : {}),
            safe_update: true,
            updated_stamp: stamp,
          },
        },
      });
      clearDraft(ticket.id);
      setDraft({ ...EMPTY_DRAFT, isPublic: draft.isPublic });
      setExpanded(false);
      setSubmittedStamp(res.ticket.updated_at);
      setConflict(null);
      setTab('write');
      await invalidateTicket();
      onSubmitted?.();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && isUpdateConflict(err.body)) {
        try {
          await showConflict(stamp);
        } catch {
          setError(t('common.failed'));
        }
      } else if (err instanceof ApiError) {
        setError(serverMessage(err.body, t('common.failed')));
      } else {
        setError(t('composer.offline'));
      }
    } finally {
      setSubmitting(false);
    }
  }

  function focusText() {
    setExpanded(true);
    if (tab === 'write' && textRef.current) {
      textRef.current.focus();
      return;
    }
    setTab('write');
    // The textarea is in the write tab: focus once it is shown.
    requestAnimationFrame(() => textRef.current?.focus());
  }

  function toggleNote() {
    update((d) => ({ ...d, isPublic: !d.isPublic }));
    if (!open) focusText();
  }

  function togglePreview() {
    setExpanded(true);
    setTab((current) => (current === 'preview' ? 'write' : 'preview'));
  }

  function openMacros() {
    setExpanded(true);
    macros.open();
  }

  // Shortcuts: `/` anywhere but a field; the mod+… ones in the composer, or where no other
  // field has the focus. A key is kept from the page only when the composer acts on it.
  const inComposer = (e: KeyboardEvent) =>
    !isEditable(e.target) || (rootRef.current?.contains(e.target as Node) ?? false);
  function act(e: KeyboardEvent, applies: boolean, action: () => void) {
    if (!applies) return;
    e.preventDefault();
    action();
  }
  const own = { preventDefault: false };
  const physical = { preventDefault: false, usePhysicalKeys: true };
  useHotkeys(
    [
      [SHORTCUTS.focusComposer, (e) => act(e, !isEditable(e.target), focusText), own],
      [SHORTCUTS.submit, (e) => act(e, inComposer(e), () => void submit()), own],
      [SHORTCUTS.submitSolved, (e) => act(e, inComposer(e), () => void submit('solved')), own],
      [SHORTCUTS.toggleNote, (e) => act(e, inComposer(e), toggleNote), physical],
      [SHORTCUTS.macros, (e) => act(e, inComposer(e), openMacros), physical],
      [SHORTCUTS.preview, (e) => act(e, inComposer(e), togglePreview), physical],
    ],
    [],
  );

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const files = [...e.clipboardData.files];
    if (files.length > 0) {
      e.preventDefault();
      addFiles(files, true);
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length > 0) addFiles(files);
  }

  const statusNow = draft.staged.status ?? ticket.status;
  const uploading = pending.some((p) => p.error === null);
  const canSubmit =
    !closed &&
    !uploading &&
    (draft.text.trim() !== '' || draft.uploads.length > 0 || Object.keys(draft.staged).length > 0);
  const note = !draft.isPublic;
  // Open while focused or written in; stays open while it holds anything.
  const open = expanded || !isEmptyDraft(draft) || pending.length > 0;

  /** Escape in an empty composer folds it back to one line. */
  function collapseOnEscape(e: ReactKeyboardEvent<HTMLElement>) {
    if (e.key !== 'Escape' || e.defaultPrevented || !open) return;
    // Not from a menu or dialog of the composer (portals): only from within it.
    if (!rootRef.current?.contains(e.target as Node)) return;
    if (!isEmptyDraft(draft) || pending.length > 0) return;
    setExpanded(false);
    setTab('write');
    setError(null);
  }

  useLayoutEffect(() => {
    if (!open || !carryFocus.current) return;
    carryFocus.current = false;
    textRef.current?.focus();
  }, [open]);

  const modes = [
    { value: 'reply', label: t('composer.reply') },
    { value: 'note', label: t('composer.note') },
  ];
  function chooseMode(v: string) {
    update((d) => ({ ...d, isPublic: v === 'reply' }));
    // Choosing reply or note on the folded composer is starting to write one.
    if (!open) focusText();
  }
  const modeSwitch = open ? (
    <SegmentedControl
      aria-label={t('composer.mode')}
      value={note ? 'note' : 'reply'}
      onChange={chooseMode}
      color={note ? 'yellow.4' : 'blue.8'}
      data={modes}
    />
  ) : (
    <FoldedModes
      label={t('composer.mode')}
      value={note ? 'note' : 'reply'}
      data={modes}
      color={
        note
          ? ['var(--mantine-color-yellow-4)', 'var(--mantine-color-black)']
          : ['var(--mantine-color-blue-8)', 'var(--mantine-color-white)']
      }
      onChange={chooseMode}
    />
  );
  const macroButton = (
    <Button variant="default" size="xs" onClick={openMacros} disabled={closed}>
      {t('composer.macros.open')}
    </Button>
  );
  const placeholder = note
    ? t('keys.composer.addNote')
    : requesterName
      ? t(isSlack ? 'keys.composer.replyToSlack' : 'keys.composer.replyTo', { name: requesterName })
      : t('keys.composer.replyToRequester');

  return (
    <Paper
      ref={rootRef}
      component="section"
      aria-labelledby={headingId}
      withBorder
      p="sm"
      mt="md"
      data-testid="composer"
      data-mode={note ? 'note' : 'reply'}
      data-expanded={open}
      bg={note ? 'yellow.0' : undefined}
      style={{
        borderColor: note ? 'var(--mantine-color-yellow-6)' : undefined,
        borderStyle: dragging ? 'dashed' : undefined,
        borderWidth: note || dragging ? 2 : undefined,
      }}
      onDragOver={(e: DragEvent) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e: DragEvent) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
      onKeyDown={collapseOnEscape}
    >
      <VisuallyHidden>
        <Title order={2} id={headingId}>
          {t('composer.title')}
        </Title>
      </VisuallyHidden>
      {open && (
        <>
          <Group justify="space-between" mb="xs" wrap="nowrap">
            {modeSwitch}
            {macroButton}
          </Group>
          <Text size="sm" c={note ? 'dark' : 'gray.7'} mb="xs" data-testid="composer-audience">
            {note
              ? t('composer.audience.note')
              : isSlack
                ? t('composer.audience.slack', { name: requesterName || t('composer.requester') })
                : t('composer.audience.reply')}
          </Text>
        </>
      )}
      {conflict && <ConflictNotice audits={conflict} onDismiss={() => setConflict(null)} />}
      {/* Folded, one line: mode, the text field (the same element, so focus and typing carry
          on into the open composer), macros. */}
      <Group wrap="nowrap" gap="xs" align="center">
        {!open && modeSwitch}
        <Box style={{ flex: 1, minWidth: 0 }}>
          {open ? (
            <Tabs value={tab} onChange={setTab} mt="xs" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="write">{t('composer.write')}</Tabs.Tab>
                <Tabs.Tab value="preview">{t('composer.preview')}</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="write" pt="xs">
                <Textarea
                  ref={textRef}
                  label={note ? t('composer.noteLabel') : t('composer.replyLabel')}
                  description={t('composer.markdownHint')}
                  placeholder={placeholder}
                  autosize
                  minRows={2}
                  maxRows={10}
                  value={draft.text}
                  onFocus={() => setExpanded(true)}
                  onClick={() => setExpanded(true)}
                  onChange={(e) => typed(e.currentTarget.value)}
                  onPaste={onPaste}
                  disabled={closed}
                  styles={{
                    input: note ? { background: 'var(--mantine-color-yellow-0)' } : undefined,
                    description: { color: 'var(--mantine-color-gray-7)' },
                  }}
                />
              </Tabs.Panel>
              <Tabs.Panel value="preview" pt="xs" mih={100}>
                <Suspense fallback={<Loader size="sm" aria-label={t('common.loading')} />}>
                  <Preview text={draft.text} />
                </Suspense>
              </Tabs.Panel>
            </Tabs>
          ) : (
            // Folded: a plain one-row field (the composer is empty while folded). Going to it
            // opens the composer, whose field takes the focus on.
            <textarea
              ref={textRef}
              className={foldedClasses.field}
              aria-label={note ? t('composer.noteLabel') : t('composer.replyLabel')}
              placeholder={placeholder}
              rows={1}
              value={draft.text}
              onFocus={() => {
                carryFocus.current = true;
                setExpanded(true);
              }}
              onChange={(e) => typed(e.currentTarget.value)}
              onPaste={onPaste}
              disabled={closed}
              style={note ? { background: 'var(--mantine-color-yellow-0)' } : undefined}
            />
          )}
        </Box>
        {!open && macroButton}
      </Group>
      {open && (
        <Attachments
          uploads={draft.uploads}
          pending={pending}
          onFiles={(files) => addFiles(files)}
          onRemove={removeUpload}
          onRemovePending={removePending}
          disabled={closed}
          dragging={dragging}
        />
      )}
      {Object.keys(draft.staged).length > 0 && (
        <Stack gap={4} mt="xs">
          <Group gap="xs">
            <Text size="sm" fw={600}>
              {t('composer.staged')}
            </Text>
            <Button
              size="compact-xs"
              variant="subtle"
              c="gray.8"
              onClick={() => update((d) => ({ ...d, staged: {}, macroIds: [] }))}
            >
              {t('composer.discardStaged')}
            </Button>
          </Group>
          <ChangeList changes={draft.staged} />
        </Stack>
      )}
      {error && (
        <Alert color="red" mt="xs" role="alert" title={t('composer.failedTitle')}>
          {error}
        </Alert>
      )}
      {closed && (
        <Text size="sm" c="gray.7" mt="xs">
          {t('composer.closed')}
        </Text>
      )}
      {open && (
        <Group justify="flex-end" mt="sm" gap={0}>
          <Button
            onClick={() => void submit()}
            disabled={!canSubmit}
            loading={submitting}
            style={{ borderTopRightRadius: 0, borderBottomRightRadius: 0 }}
          >
            {t('composer.submitAs', { status: t(`status.${statusNow}`) })}
          </Button>
          <Menu position="top-end" withinPortal>
            <Menu.Target>
              <Button
                aria-label={t('composer.submitAsMenu')}
                disabled={!canSubmit && Object.keys(draft.staged).length === 0 && closed}
                style={{
                  borderTopLeftRadius: 0,
                  borderBottomLeftRadius: 0,
                  borderLeft: '1px solid var(--mantine-color-blue-2)',
                }}
                px="xs"
              >
                <span aria-hidden="true">▾</span>
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {SUBMIT_STATUSES.map((s) => (
                <Menu.Item key={s} onClick={() => void submit(s)} disabled={submitting || closed}>
                  {t('composer.submitAs', { status: t(`status.${s}`) })}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
      )}
      {/* Mounted when opened: nothing of the dialog is on the page's first frame. */}
      {macrosOpen && (
        <MacroPicker
          ticket={ticket}
          opened={macrosOpen}
          onClose={macros.close}
          onApply={applyMacro}
        />
      )}
    </Paper>
  );
}

function isUpdateConflict(body: unknown): boolean {
  return (
    !!body && typeof body === 'object' && (body as { error?: unknown }).error === 'UpdateConflict'
  );
}
