'use client';

import { useId, useRef, useState } from 'react';
import styles from '../page.module.css';

type Props = {
  /** The exact text copied, also shown as selectable text. */
  readonly value: string;
  /** Names what is copied, for the button's accessible name ("Copy connector URL"). */
  readonly label: string;
  /** Multi-line commands render as a block; a URL renders inline-block. */
  readonly block?: boolean;
};

/** Selectable text with a copy button; when the clipboard is refused, the text is selected instead. */
export function CopyField({ value, label, block = false }: Props) {
  const textRef = useRef<HTMLElement>(null);
  const [message, setMessage] = useState('');
  const messageId = useId();

  function selectText() {
    const node = textRef.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    selection.selectAllChildren(node);
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setMessage('Copied.');
    } catch {
      // No clipboard (insecure context, permission refused): leave the text selected for Ctrl+C.
      selectText();
      setMessage('Selected: press Ctrl+C (⌘C) to copy.');
    }
  }

  return (
    <div className={styles.copyField}>
      {block ? (
        <pre className={styles.code}>
          <code ref={textRef}>{value}</code>
        </pre>
      ) : (
        <code ref={textRef} className={`${styles.code} ${styles.inlineCode}`}>
          {value}
        </code>
      )}
      <div className={styles.copyRow}>
        <button
          type="button"
          className={styles.secondaryButton}
          onClick={() => void copy()}
          aria-label={`Copy ${label}`}
          aria-describedby={messageId}
        >
          Copy
        </button>
        <span id={messageId} className={styles.copyMessage} aria-live="polite">
          {message}
        </span>
      </div>
    </div>
  );
}
