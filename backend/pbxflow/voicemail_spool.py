"""Voicemail messages: read from Asterisk's spool, and emailed by a notifier.

Asterisk's ``app_voicemail`` keeps each message as files in its spool:
``<spool>/<context>/<mailbox>/<folder>/msgNNNN.txt`` (caller, time, duration, a
stable ``msg_id``) plus the audio in every configured format (``.wav`` is 8 kHz PCM).
pbxflow's voicemail context for a tenant is ``t-<code>``.

Where the spool is: ``PBXFLOW_VOICEMAIL_SPOOL``; otherwise Asterisk's standard
``/var/spool/asterisk/voicemail`` when it exists (Asterisk on this machine, or the
spool volume mounted there); otherwise the spool inside the local sandbox root
(``PBXFLOW_ASTERISK_ROOT``, default ``$PBXFLOW_CACHE_DIR/asterisk-root``).

Greetings are files of the box directory: ``<spool>/<context>/<mailbox>/unavail.wav``
(and ``busy``, ``temp``, ``greet``), as ``VoiceMail()`` looks for them. Recorded by phone
they are written by Asterisk; uploaded through the API they are written here, 8 kHz WAV,
with any other format of the same greeting removed so that Asterisk cannot pick a stale
one. Deleting a message without Asterisk (:func:`delete_message`, when no AMI connection
can ask app_voicemail to do it) takes the folder lock the way Asterisk does
(``ast_lock_path``: a ``.lock`` hard link in the folder).

Email (F-CMP-3): Asterisk's own ``mailcmd`` would need an MTA on every Asterisk node,
so pbxflow sends the mail itself. ``VoicemailNotifier`` polls the spool (a directory
scan every couple of seconds; no AMI dependency, and nothing is lost while the app
is down: a restart finds what arrived meanwhile), and for every message in INBOX or
Urgent of a box with an email address that it has not yet mailed, sends one email
over SMTP (``PBXFLOW_SMTP_URL``) with the caller, the time in the tenant's time zone,
the duration and, if the box says so, the audio as a WAV attachment. Mailed message
ids are remembered as marker files under ``$PBXFLOW_DATA_DIR/voicemail-sent/``; a
failed send is retried on the next scan.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import smtplib
import threading
import time
import wave
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

FOLDERS = ("INBOX", "Urgent", "Old", "Work", "Family", "Friends")
NEW_FOLDERS = ("INBOX", "Urgent")
# Audio formats Asterisk may have written, best first: (suffix, MIME type).
AUDIO = ((".wav", "audio/wav"), (".WAV", "audio/wav"), (".gsm", "audio/x-gsm"))
MSG_ID = re.compile(r"^[0-9]{1,20}-[0-9]{1,20}$")
_MSG_FILE = re.compile(r"^msg([0-9]{4})\.txt$")


def spool_root(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("PBXFLOW_VOICEMAIL_SPOOL"):
        return Path(env["PBXFLOW_VOICEMAIL_SPOOL"])
    system = Path("/var/spool/asterisk/voicemail")
    if system.is_dir() and not env.get("PBXFLOW_ASTERISK_ROOT"):
        return system
    cache = Path(env.get("PBXFLOW_CACHE_DIR") or Path(env.get("HOME") or "/root") / ".cache" / "pbxflow")
    root = Path(env.get("PBXFLOW_ASTERISK_ROOT") or cache / "asterisk-root")
    return root / "var" / "spool" / "asterisk" / "voicemail"


def context_of(code: str) -> str:
    return f"t-{code}"


@dataclass(frozen=True)
class Message:
    id: str  # Asterisk's msg_id: stable while the message moves between folders
    folder: str
    caller_id: str
    caller_number: str
    caller_name: str
    origtime: int  # epoch seconds
    duration: int  # seconds
    audio: Path | None
    mime: str

    def public(self, tz: str = "UTC") -> dict:
        return {
            "id": self.id,
            "folder": self.folder,
            "caller_id": self.caller_id,
            "caller_number": self.caller_number,
            "caller_name": self.caller_name,
            "received_at": received_at(self.origtime, tz).isoformat(),
            "duration": self.duration,
            "audio": self.audio is not None,
        }


def received_at(origtime: int, tz: str = "UTC") -> datetime:
    try:
        zone = ZoneInfo(tz)
    except Exception:  # an unknown zone name: UTC rather than nothing
        zone = timezone.utc
    return datetime.fromtimestamp(origtime, timezone.utc).astimezone(zone)


def parse_info(text: str) -> dict[str, str]:
    """The ``[message]`` section of a msgNNNN.txt file."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith((";", "[")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def split_callerid(value: str) -> tuple[str, str]:
    """'"Name" <201>' -> ("Name", "201")."""
    m = re.match(r'^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$', value or "")
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return "", (value or "").strip()


def mailbox_dir(root: Path, code: str, mailbox: str) -> Path:
    return root / context_of(code) / mailbox


def _message(txt: Path, folder: str) -> Message | None:
    try:
        info = parse_info(txt.read_text(errors="replace"))
    except OSError:
        return None
    msg_id = info.get("msg_id", "")
    if not MSG_ID.match(msg_id):
        return None
    audio, mime = None, ""
    for suffix, kind in AUDIO:
        candidate = txt.with_suffix(suffix)
        if candidate.is_file():
            audio, mime = candidate, kind
            break
    name, number = split_callerid(info.get("callerid", ""))

    def num(key: str) -> int:
        try:
            return int(info.get(key) or 0)
        except ValueError:
            return 0

    return Message(msg_id, folder, info.get("callerid", ""), number, name, num("origtime"), num("duration"), audio, mime)


def list_messages(root: Path, code: str, mailbox: str, folders: tuple[str, ...] = FOLDERS) -> list[Message]:
    """The box's messages, newest first."""
    out = []
    base = mailbox_dir(root, code, mailbox)
    for folder in folders:
        d = base / folder
        if not d.is_dir():
            continue
        for txt in sorted(d.iterdir()):
            if _MSG_FILE.match(txt.name):
                msg = _message(txt, folder)
                if msg is not None:
                    out.append(msg)
    return sorted(out, key=lambda m: (-m.origtime, m.id))


def find_message(root: Path, code: str, mailbox: str, msg_id: str) -> Message | None:
    if not MSG_ID.match(msg_id):
        return None
    return next((m for m in list_messages(root, code, mailbox) if m.id == msg_id), None)


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float = 5.0):
    """Asterisk's lock on a spool folder (``ast_lock_path`` with the default lockfile method):
    hard-link a unique file to ``<folder>/.lock``; whoever made the link holds the lock."""
    mine = folder / f".lock-{secrets.token_hex(4)}"
    mine.touch(mode=0o644, exist_ok=False)
    lock = folder / ".lock"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                os.link(mine, lock)
                break
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{folder} is locked (by Asterisk?)") from None
                time.sleep(0.01)
    finally:
        mine.unlink(missing_ok=True)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def delete_message(root: Path, code: str, mailbox: str, msg_id: str) -> Message | None:
    """Remove a message's files (the .txt and every audio format) under the folder lock. Asterisk
    renumbers the folder's remaining messages itself when it next opens it."""
    msg = find_message(root, code, mailbox, msg_id)
    if msg is None:
        return None
    folder = mailbox_dir(root, code, mailbox) / msg.folder
    with folder_lock(folder):
        for txt in folder.glob("msg[0-9][0-9][0-9][0-9].txt"):
            msg_now = _message(txt, msg.folder)
            if msg_now is not None and msg_now.id == msg_id:
                for f in folder.glob(f"{txt.stem}.*"):
                    f.unlink(missing_ok=True)
                return msg_now
    return None


# --- greetings -----------------------------------------------------------------------

GREETING_FILES = {"unavailable": "unavail", "busy": "busy", "temporary": "temp", "name": "greet"}


@dataclass(frozen=True)
class Greeting:
    kind: str  # unavailable | busy | temporary | name
    audio: Path
    mime: str
    size: int
    duration_ms: int | None  # known for WAV (PCM) files
    modified: float  # epoch seconds

    def public(self, tz: str = "UTC") -> dict:
        return {"kind": self.kind, "present": True, "size": self.size, "duration_ms": self.duration_ms,
                "updated_at": received_at(int(self.modified), tz).isoformat()}


def greeting_base(root: Path, code: str, mailbox: str, kind: str) -> Path:
    """The greeting's path without a format suffix (as app_voicemail names it)."""
    return mailbox_dir(root, code, mailbox) / GREETING_FILES[kind]


def _wav_ms(path: Path) -> int | None:
    try:
        with wave.open(str(path)) as w:
            return round(w.getnframes() * 1000 / w.getframerate()) if w.getframerate() else None
    except (OSError, EOFError, wave.Error):
        return None


def find_greeting(root: Path, code: str, mailbox: str, kind: str) -> Greeting | None:
    base = greeting_base(root, code, mailbox, kind)
    for suffix, mime in AUDIO:
        path = base.with_name(base.name + suffix)
        try:
            st = path.stat()
        except OSError:
            continue
        if not path.is_file() or st.st_size == 0:
            continue
        duration = _wav_ms(path) if suffix == ".wav" else None
        return Greeting(kind, path, mime, st.st_size, duration, st.st_mtime)
    return None


def list_greetings(root: Path, code: str, mailbox: str) -> list[Greeting | None]:
    return [find_greeting(root, code, mailbox, kind) for kind in GREETING_FILES]


def _other_formats(base: Path, keep: Path | None) -> list[Path]:
    if not base.parent.is_dir():
        return []
    return [p for p in base.parent.glob(f"{base.name}.*") if p != keep and p.is_file()]


def store_greeting(root: Path, code: str, mailbox: str, kind: str, convert) -> Greeting:
    """Write a greeting as ``<name>.wav`` (``convert(dst)`` writes it, atomically) and remove the
    greeting's other formats. Directories and the file are group-writable (as Asterisk makes
    them), so that Asterisk can still write the box when it runs as another user of the group."""
    base = greeting_base(root, code, mailbox, kind)
    for d in (base.parent.parent, base.parent):
        if not d.is_dir():
            d.mkdir(parents=True, exist_ok=True)
            d.chmod(0o775)
    wav = base.with_name(base.name + ".wav")
    convert(wav)
    wav.chmod(0o664)
    for old in _other_formats(base, keep=wav):
        old.unlink(missing_ok=True)
    found = find_greeting(root, code, mailbox, kind)
    assert found is not None
    return found


def delete_greeting(root: Path, code: str, mailbox: str, kind: str) -> bool:
    """Remove every format of the greeting; whether there was one."""
    base = greeting_base(root, code, mailbox, kind)
    gone = _other_formats(base, keep=None)
    for old in gone:
        old.unlink(missing_ok=True)
    return bool(gone)


# --- email ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "pbxflow@localhost"

    @classmethod
    def from_url(cls, url: str, sender: str | None = None) -> "SmtpSettings":
        """smtp://[user:password@]host[:port][?starttls=1] or smtps://… (implicit TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("PBXFLOW_SMTP_URL must look like smtp://host:port or smtps://user:password@host:465")
        query = parse_qs(parts.query)
        ssl = parts.scheme == "smtps"
        return cls(
            host=parts.hostname, port=parts.port or (465 if ssl else 25), ssl=ssl,
            starttls=query.get("starttls", ["0"])[0] in ("1", "yes", "true"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=sender or query.get("from", [None])[0] or "pbxflow@localhost",
        )

    @classmethod
    def from_env(cls, env: dict | None = None) -> "SmtpSettings | None":
        env = os.environ if env is None else env
        url = env.get("PBXFLOW_SMTP_URL")
        return cls.from_url(url, env.get("PBXFLOW_MAIL_FROM") or None) if url else None

    def send(self, message: EmailMessage, timeout: float = 30.0) -> None:
        smtp_class = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=timeout) as smtp:
            if self.starttls and not self.ssl:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def _clean(text: str) -> str:
    """One line of header-safe text."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text or "").strip()


def build_email(msg: Message, box: dict, *, tenant_name: str, tz: str, sender: str) -> EmailMessage:
    when = received_at(msg.origtime, tz)
    caller = _clean(msg.caller_id) or "unknown caller"
    email = EmailMessage()
    email["From"] = formataddr(("pbxflow voicemail", sender))
    email["To"] = formataddr((_clean(box.get("name", "")), box["email"]))
    email["Subject"] = f"New voicemail from {caller} in mailbox {box['mailbox']}"
    email["Message-ID"] = make_msgid(idstring=f"vm-{msg.id}")
    email["X-Pbxflow-Voicemail-Id"] = msg.id
    lines = [
        f"You have a new voicemail message in mailbox {box['mailbox']} ({_clean(box.get('name', ''))}).",
        "",
        f"Caller: {caller}",
        f"Received: {when.strftime('%Y-%m-%d %H:%M:%S %Z')} ({tz})",
        f"Duration: {msg.duration} s",
        f"Company: {_clean(tenant_name)}",
        "",
    ]
    attach = box.get("attach_audio", True) and msg.audio is not None
    lines.append("The recording is attached." if attach else "Listen to it by phone (*97) or in the web app.")
    email.set_content("\n".join(lines) + "\n")
    if attach:
        assert msg.audio is not None
        maintype, subtype = msg.mime.split("/", 1)
        ext = msg.audio.suffix.lower()
        email.add_attachment(msg.audio.read_bytes(), maintype=maintype, subtype=subtype,
                             filename=f"voicemail-{box['mailbox']}-{when.strftime('%Y%m%d-%H%M%S')}{ext}")
    return email


# --- the notifier ----------------------------------------------------------------------


class VoicemailNotifier:
    """Emails new voicemail messages (see the module docstring)."""

    def __init__(self, pool, spool: Path, state_dir: Path, smtp: SmtpSettings, interval: float = 2.0):
        self.pool = pool
        self.spool = Path(spool)
        self.state_dir = Path(state_dir)
        self.smtp = smtp
        self.interval = interval
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _boxes(self) -> list[tuple[dict, dict]]:
        """(box, tenant) for every enabled box with an email address."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT b.data, t.data FROM rm_objects b JOIN rm_objects t ON t.id = b.tenant_id AND t.kind = 'tenant'"
                " WHERE b.kind = 'voicemail_box'"
            ).fetchall()
        return [(box, tenant) for box, tenant in rows if box.get("enabled", True) and box.get("email")]

    def _marker(self, code: str, mailbox: str, msg_id: str) -> Path:
        return self.state_dir / code / mailbox / msg_id

    def run_once(self) -> list[str]:
        """One scan; returns the ids of the messages mailed."""
        sent = []
        for box, tenant in self._boxes():
            code, mailbox = tenant["code"], box["mailbox"]
            for msg in list_messages(self.spool, code, mailbox, NEW_FOLDERS):
                marker = self._marker(code, mailbox, msg.id)
                if marker.exists() or msg.audio is None:
                    continue  # mailed already, or Asterisk is still writing it
                email = build_email(msg, box, tenant_name=tenant.get("name", ""), tz=tenant.get("timezone") or "UTC",
                                    sender=self.smtp.sender)
                try:
                    self.smtp.send(email)
                except (OSError, smtplib.SMTPException) as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("voicemail email for %s@%s failed: %s", mailbox, code, self.last_error)
                    return sent
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
                self.last_error = None
                sent.append(msg.id)
        return sent

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("voicemail notifier scan failed")
            self._stop.wait(self.interval)

    def start(self) -> "VoicemailNotifier":
        self._thread = threading.Thread(target=self.run, name="voicemail-notifier", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def notifier_from_env(pool, data_dir: Path, env: dict | None = None) -> VoicemailNotifier | None:
    """The notifier a serving process runs when PBXFLOW_SMTP_URL is set (else None)."""
    smtp = SmtpSettings.from_env(env)
    if smtp is None:
        return None
    return VoicemailNotifier(pool, spool_root(env), Path(data_dir) / "voicemail-sent", smtp)
