/**
 * Discovery on a temp tree: a day with session01, session02, sessioneye and a stray `mountains`; levels found
 * from any directory; DPT get_level_dirs above/at/below and outside the hierarchy; the .ns5/.nev rules and
 * their errors (none, several).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discover, scanDay, scanSession, sessionRecording, SessionFilesError } from "../src/layout/discover.js";
import { fnmatchRegex, levelDirs, pyCompare, pySorted } from "../src/layout/level-dirs.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-layout-discover-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const subject = join(root, "data", "picasso");
const day = join(subject, "20181105");
const touch = (...p: string[]) => { mkdirSync(join(...p.slice(0, -1)), { recursive: true }); writeFileSync(join(...p), ""); };
const dir = (...p: string[]) => mkdirSync(join(...p), { recursive: true });

// session01: one recording, two arrays; session02: no .ns5; sessioneye: two .ns5; mountains: sorter output.
touch(day, "session01", "datafile001.ns5");
touch(day, "session01", "datafile001.nev");
touch(day, "session01", "datafile001.ns2");
touch(day, "session01", ".hidden.ns5");
touch(day, "session01", "notes.txt");
for (const c of ["channel009", "channel031", "channel1000"]) dir(day, "session01", "array01", c);
dir(day, "session01", "array02", "channel034");
dir(day, "session01", "array01", "channel009", "cell01");
touch(day, "session01", "array03.txt"); // a file that matches array[0-9]*: not a directory level
touch(day, "session02", "datafile002.nev");
touch(day, "session02", "rplparallel_d41d.hkl");
touch(day, "sessioneye", "eye1.ns5");
touch(day, "sessioneye", "eye2.ns5");
touch(day, "sessioneye", "eye1.nev");
dir(day, "mountains", "channel009", "output");
dir(day, "session_old");
touch(day, "README");
dir(subject, "20181106", "session01");

describe("scanDay / scanSession", () => {
  it("sessions in Python order, strays kept apart", () => {
    const d = scanDay(day);
    expect(d.name).toBe("20181105");
    expect(d.sessions.map((s) => s.name)).toEqual(["session01", "session02", "sessioneye"]);
    expect(d.sessions.map((s) => s.shortName)).toEqual(["s01", "s02", "seye"]);
    expect(d.others).toEqual(["README", "mountains", "session_old"]);
  });

  it("a session's files, arrays and channels", () => {
    const s = scanSession(join(day, "session01"));
    expect(s.files).toEqual(["array03.txt", "datafile001.nev", "datafile001.ns2", "datafile001.ns5", "notes.txt"]);
    expect(s.ns5Files).toEqual(["datafile001.ns5"]);
    expect(s.hasNs2).toBe(true);
    expect(s.arrays.map((a) => [a.name, a.channels.map((c) => [c.name, c.electrode])])).toEqual([
      ["array01", [["channel009", 9], ["channel031", 31], ["channel1000", 0]]], // PyHipp's int(name[-3:])
      ["array02", [["channel034", 34]]],
    ]);
  });
});

describe("sessionRecording", () => {
  it("the single .ns5 and the .nev with its base name", () => {
    const r = sessionRecording(join(day, "session01"));
    expect(r).toEqual({ ns5: join(day, "session01", "datafile001.ns5"), nev: join(day, "session01", "datafile001.nev"), hasNs2: true });
  });

  it("no .ns5 → ERR_NO_NS5 listing what is there", () => {
    let err: unknown;
    try { sessionRecording(join(day, "session02")); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SessionFilesError);
    expect(err).toMatchObject({ code: "ERR_NO_NS5", dir: join(day, "session02"), found: ["datafile002.nev", "rplparallel_d41d.hkl"] });
    expect((err as Error).message).toMatch(/no \.ns5 file in .*session02 \(found: datafile002\.nev, rplparallel_d41d\.hkl\)/);
    expect(() => sessionRecording(join(day, "session_old"))).toThrow(/found: nothing/);
  });

  it("two .ns5 → ERR_SEVERAL_NS5 naming both", () => {
    expect(() => sessionRecording(join(day, "sessioneye"))).toThrow(expect.objectContaining({
      code: "ERR_SEVERAL_NS5", message: expect.stringMatching(/2 \.ns5 files in .*sessioneye: eye1\.ns5, eye2\.ns5/),
    }));
  });

  it(".nev choice: same base name, else the only one, else none; several unrelated → ERR_SEVERAL_NEV", () => {
    const s = join(root, "nevs", "20200101", "session01");
    touch(s, "a.ns5");
    expect(sessionRecording(s).nev).toBeUndefined();
    touch(s, "other.nev");
    expect(sessionRecording(s).nev).toBe(join(s, "other.nev"));
    touch(s, "third.nev");
    expect(() => sessionRecording(s)).toThrow(expect.objectContaining({ code: "ERR_SEVERAL_NEV" }));
    touch(s, "a.nev");
    expect(sessionRecording(s).nev).toBe(join(s, "a.nev"));
  });
});

describe("discover from any directory", () => {
  it.each([
    ["day", [], "day"], ["session", ["session01"], "session"], ["session (eye)", ["sessioneye"], "session"],
    ["array", ["session01", "array01"], "array"], ["channel", ["session01", "array01", "channel009"], "channel"],
    ["cell", ["session01", "array01", "channel009", "cell01"], "cell"],
  ])("%s directory", (_, parts, level) => {
    const d = discover(join(day, ...(parts as string[])));
    expect(d.level).toBe(level);
    expect(d.ancestors.day).toBe(day);
    expect(d.days.map((x) => x.path)).toEqual([day]);
    expect(d.days[0]!.sessions.map((s) => s.name)).toEqual(["session01", "session02", "sessioneye"]);
  });

  it("subject and subjects directories are recognised by their contents", () => {
    const s = discover(subject);
    expect(s.level).toBe("subject");
    expect(s.days.map((x) => x.name)).toEqual(["20181105", "20181106"]);
    expect(s.ancestors).toEqual({ subject, subjects: join(root, "data") });
    const all = discover(join(root, "data") + "/");
    expect(all.level).toBe("subjects");
    expect(all.days.map((x) => x.name)).toEqual(["20181105", "20181106"]);
  });

  it("errors: not a directory, not in a hierarchy", () => {
    expect(() => discover(join(day, "README"))).toThrow(expect.objectContaining({ code: "ERR_NOT_A_DIRECTORY" }));
    expect(() => discover(join(day, "mountains"))).toThrow(expect.objectContaining({ code: "ERR_NOT_A_LEVEL" }));
    expect(() => discover(join(root, "nowhere"))).toThrow(/does not exist/);
    expect(() => discover(5 as never)).toThrow(TypeError);
    expect(scanSession(join(day, "mountains")).shortName).toBe(""); // not a session name: no DPT short name
  });
});

describe("levelDirs (DPT get_level_dirs)", () => {
  const a1 = join(day, "session01", "array01");
  it("same level, above (siblings of the ancestor) and below (chained globs, directories only)", () => {
    expect(levelDirs("array", a1)).toEqual([a1]);
    expect(levelDirs("session", a1)).toEqual(["session01", "session02", "sessioneye"].map((s) => join(day, s)));
    expect(levelDirs("array", join(a1, "channel009"))).toEqual([a1, join(day, "session01", "array02")]);
    expect(levelDirs("channel", day)).toEqual([
      join(a1, "channel009"), join(a1, "channel031"), join(a1, "channel1000"), join(day, "session01", "array02", "channel034")]);
    expect(levelDirs("day", join(day, "session01"))).toEqual([day, join(subject, "20181106")]);
  });

  it("outside the hierarchy: every matching directory at any depth (os.walk), sorted", () => {
    expect(levelDirs("channel", subject)).toEqual([
      join(day, "mountains", "channel009"), join(a1, "channel009"), join(a1, "channel031"), join(a1, "channel1000"),
      join(day, "session01", "array02", "channel034")]);
    symlinkSync(join(day, "session01"), join(root, "data", "session99"));
    expect(levelDirs("session", join(root, "data"))).toContain(join(root, "data", "session99"));
    expect(levelDirs("array", join(root, "data")).some((p) => p.includes("session99"))).toBe(false); // links not followed
    rmSync(join(root, "data", "session99"));
    expect(() => levelDirs("trial", day)).toThrow(RangeError);
  });

  it("Python string order and fnmatch", () => {
    expect(pySorted(["b", "a", "\u{1F600}", "\uffff", "B"])).toEqual(["B", "a", "b", "\uffff", "\u{1F600}"]);
    expect(pyCompare("ab", "a")).toBeGreaterThan(0);
    expect(fnmatchRegex("session[a-z0-9]*").test("sessioneye")).toBe(true);
    expect(fnmatchRegex("session[a-z0-9]*").test("session_old")).toBe(false);
    expect(fnmatchRegex("[!a]?.x").test("ba.x")).toBe(true);
    expect(fnmatchRegex("[!a]?.x").test("aa.x")).toBe(false);
    expect(fnmatchRegex("a[b").test("a[b")).toBe(true);
  });
});
