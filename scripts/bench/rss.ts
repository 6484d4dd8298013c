/**
 * Server memory, read from /proc: the pid that owns the listening socket (so it is the process
 * serving requests, whatever `next start` forked) and its VmRSS.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

function listeningInode(port: number): string | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] = local address:port, f[3] = state (0A = LISTEN), f[9] = inode
      if (f.length > 9 && f[3] === '0A' && f[1]!.endsWith(`:${hexPort}`)) return f[9]!;
    }
  }
  return null;
}

/** The pid listening on `port`, or `null` when /proc does not say (not Linux). */
export function pidListeningOn(port: number): number | null {
  const inode = listeningInode(port);
  if (!inode) return null;
  const target = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) return Number(entry);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return null;
}

/** Resident set size of `pid` in bytes, or `null`. */
export function rssBytes(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function processName(pid: number | null): string | null {
  if (pid === null) return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}
