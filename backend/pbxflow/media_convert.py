"""Probe and convert uploaded audio with FFmpeg (Debian package ``ffmpeg``).

An upload is accepted by what ``ffprobe`` finds in it, never by its file name: the
container must be MP3, WAV, Ogg or MP4/M4A, it must hold an audio stream and no
video (cover art is fine), and it must last between 0.1 s and an hour. It is then
converted to what Asterisk plays without transcoding: WAV, 8 kHz, mono, signed
16-bit PCM (Asterisk's ``wav`` format, i.e. ``slin``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import DomainError, Invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_SECONDS = 3600
MIN_SECONDS = 0.1
TIMEOUT = 120  # seconds for one ffprobe/ffmpeg run
# ffprobe's format names -> the formats we accept
FORMATS = {
    "mp3": "mp3",
    "wav": "wav",
    "ogg": "ogg",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
}
SAMPLE_RATE = 8000


class ToolMissing(DomainError):
    status = 503
    title = "Service unavailable"


@dataclass(frozen=True)
class Probe:
    format: str  # mp3 | wav | ogg | m4a
    codec: str
    duration_ms: int
    sample_rate: int
    channels: int


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(f"{name} is not installed on the server (Debian package ffmpeg)")
    return path


def probe(path: Path, field: str = "file") -> Probe:
    """What the file is; ``Invalid(field)`` when it is not audio we accept."""
    try:
        out = subprocess.run(
            [_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise Invalid(field, "the file could not be read in time") from None
    if out.returncode != 0:
        raise Invalid(field, "not an audio file (accepted: mp3, wav, ogg, m4a)")
    try:
        info = json.loads(out.stdout or b"{}")
    except ValueError:
        raise Invalid(field, "not an audio file (accepted: mp3, wav, ogg, m4a)") from None
    fmt = FORMATS.get((info.get("format") or {}).get("format_name", ""))
    if fmt is None:
        raise Invalid(field, "not an accepted audio format (accepted: mp3, wav, ogg, m4a)")
    streams = info.get("streams") or []
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")]
    if not audio:
        raise Invalid(field, "the file holds no audio")
    if video:
        raise Invalid(field, "the file holds video; upload audio only")
    try:
        duration = float((info.get("format") or {}).get("duration") or audio[0].get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration < MIN_SECONDS:
        raise Invalid(field, "the audio is empty or too short")
    if duration > MAX_SECONDS:
        raise Invalid(field, f"the audio is longer than {MAX_SECONDS // 60} minutes")
    a = audio[0]
    return Probe(fmt, str(a.get("codec_name") or ""), round(duration * 1000), int(a.get("sample_rate") or 0), int(a.get("channels") or 0))


def convert(src: Path, dst: Path, field: str = "file") -> None:
    """Convert to 8 kHz mono 16-bit WAV at ``dst`` (written whole or not at all)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.part")
    try:
        out = subprocess.run(
            [_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(src), "-map", "0:a:0", "-vn",
             "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "wav", str(tmp)],
            capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
        )
        if out.returncode != 0 or not tmp.exists() or tmp.stat().st_size <= 44:
            raise Invalid(field, "the audio could not be converted: " + out.stderr.decode(errors="replace").strip()[-300:])
        tmp.chmod(0o644)
        tmp.replace(dst)
    except subprocess.TimeoutExpired:
        raise Invalid(field, "the audio could not be converted in time") from None
    finally:
        tmp.unlink(missing_ok=True)
