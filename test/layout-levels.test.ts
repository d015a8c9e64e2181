/**
 * DPT levels on path strings: level() and its quirks (spec/pyhipp.md §1.2), resolve_level, get_level_name,
 * get_level_path, normpath, short names and plot titles (DPT tests/test_levels.py), a config.json override,
 * and a cross-check of all of them against DPT's own code run in Python (test/python/pyhipp_names_ref.py).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DPT_CONFIG_JSON, defaultLevels, levelConfigFrom, levelGlob, levelIndex, levelName, levelOf, levelPath, loadLevelConfig,
  normpath, plotTitle, pyJoin, pySplit, resolveLevel, shortName,
} from "../src/layout/levels.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";

const tmp = mkdtempSync(join(tmpdir(), "rplpipe-layout-levels-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ch = "Pancake/20130923/session01/array02/channel033";
const cell = `${ch}/cell01`;

describe("levelOf reproduces DPT level() and its quirks", () => {
  it.each([
    ["/data/picasso/20181105", "day"], ["20181105", "day"], ["x/session01", "session"], ["x/sessioneye", "session"],
    ["array01", "array"], ["channel001", "channel"], ["cell01", "cell"], ["session01_old", "session"],
    ["/data/picasso", "picasso"], ["mountains", "mountains"], ["cellx", "cellx"], ["session", "session"],
    ["sessionEye", "sessionEye"], ["2018a", "2018"], ["day/20181105/", ""], ["", ""], ["_x", ""], ["subjects", "subjects"],
    ["٢٠١٨", "day"], ["²³", "day"], ["channel", "channel"], ["Array01", "Array"],
  ])("%j → %j", (cwd, level) => expect(levelOf(cwd)).toBe(level));

  it("levelIndex refuses what is not a level (DPT: ValueError)", () => {
    expect(levelIndex(ch)).toBe(5);
    expect(levelIndex("x/sessioneye")).toBe(3);
    for (const bad of ["/data/picasso", "day/20181105/", "2018a", "mountains"])
      expect(() => levelIndex(bad)).toThrow(expect.objectContaining({ code: "ERR_NOT_A_LEVEL" }));
    expect(() => levelOf(3 as never)).toThrow(TypeError);
  });
});

describe("path functions (DPT tests/test_levels.py)", () => {
  it("resolveLevel", () => {
    expect(resolveLevel("session", ch)).toBe("./../..");
    expect(resolveLevel("channel", ch)).toBe(".");
    expect(resolveLevel("cell", ch)).toBe(".");
    expect(resolveLevel("subjects", cell)).toBe("./../../../../../..");
    expect(() => resolveLevel("trial", ch)).toThrow(RangeError);
    expect(() => resolveLevel("session", "picasso")).toThrow(expect.objectContaining({ code: "ERR_NOT_A_LEVEL" }));
  });

  it("levelName, levelPath, normpath", () => {
    expect(levelName("session", ch)).toBe("session01");
    expect(levelName("channel", ch)).toBe("channel033");
    expect(levelName("cell", ch)).toBe("");
    expect(levelName("subjects", ch)).toBe("");
    expect(levelPath("session", ch)).toBe("Pancake/20130923/session01");
    expect(levelPath("cell", ch)).toBe("Pancake/20130923/session01/array02/channel033/");
    expect(normpath("/x/picasso/20181105/session01")).toBe("picasso/20181105/session01");
    expect(normpath(`/data/${cell}`)).toBe(cell);
    expect(normpath("/data/subjects")).toBe("data/subjects"); // index 0 keeps everything, minus the leading '/'
  });

  it("short names and plot titles", () => {
    expect(["subject", "session", "array", "channel", "cell", "day", "subjects"].map((l) => shortName(l, cell)))
      .toEqual(["P", "s01", "a02", "g033", "c01", "20130923", ""]);
    expect(shortName("session", "/d/picasso/20181105/sessioneye")).toBe("seye");
    expect(plotTitle("/data/picasso/20181105/session01/array01/channel001")).toBe("D20181105s01a01g001");
    expect(() => shortName("subject", "session01/array01")).toThrow(expect.objectContaining({ code: "ERR_NO_LEVEL_NAME" }));
  });

  it("posixpath split/join and glob forms", () => {
    expect(pySplit("/a/b/")).toEqual(["/a/b", ""]);
    expect(pySplit("//x")).toEqual(["//", "x"]);
    expect(pySplit("x")).toEqual(["", "x"]);
    expect(pyJoin("", "a", "", "b")).toBe("a/b");
    expect(pyJoin("a", "/b", "c")).toBe("/b/c");
    expect(defaultLevels.levels.map((l) => levelGlob(l))).toEqual(
      ["[a-zA-Z]*", "[a-zA-Z]*", "[0-9]*", "session[a-z0-9]*", "array[0-9]*", "channel[0-9]*", "cell[0-9]*"]);
  });
});

describe("a config.json override", () => {
  it("levels sorted by order, patterns used by every function", () => {
    const file = join(tmp, "config.json");
    writeFileSync(file, JSON.stringify({
      probe: { pattern: "(probe)([0-9]+)", order: 4 }, day: { pattern: "([0-9]+)", order: 1 }, subject: { pattern: "([a-z]+)", order: 0 },
      session: { pattern: "(?P<s>run)([0-9]+)", order: 2 }, array: { pattern: "(shank)([A-Z])", order: 3 },
    }));
    const c = loadLevelConfig(file);
    expect(c.levels).toEqual(["subject", "day", "session", "array", "probe"]);
    expect(levelOf("x/run07", c)).toBe("run"); // first group's text, as DPT
    expect(levelOf("x/shankB", c)).toBe("shank");
    expect(resolveLevel("day", "m/20200101/run07/shankB/probe3", c)).toBe("./../../..");
    expect(levelOf("session01", c)).toBe("session"); // falls to the subject pattern
  });

  it("malformed configs are refused with ERR_LEVEL_CONFIG", () => {
    const bad: unknown[] = [[], {}, { a: { pattern: 1, order: 0 } }, { a: { pattern: "(x", order: 0 } }, { a: { pattern: "x+", order: 0 } },
      { a: { pattern: "(x)", order: "0" } }];
    for (const b of bad) expect(() => levelConfigFrom(b)).toThrow(expect.objectContaining({ code: "ERR_LEVEL_CONFIG" }));
    expect(() => loadLevelConfig(join(tmp, "missing.json"))).toThrow(expect.objectContaining({ code: "ERR_LEVEL_CONFIG" }));
    writeFileSync(join(tmp, "broken.json"), "{");
    expect(() => loadLevelConfig(join(tmp, "broken.json"))).toThrow(/cannot read level config/);
    expect(levelConfigFrom(DPT_CONFIG_JSON).levels).toEqual(defaultLevels.levels);
  });
});

describe("against DPT's levels.py in Python", () => {
  it("every function on quirky paths gives DPT's answer (or its exception)", () => {
    if (!haveReference("layout-levels DPT cross-check")) return;
    const cwds = [ch, cell, "/data/picasso/20181105", "/data/picasso/20181105/sessioneye/array01/channel124", "picasso",
      "20181105/session01", "session01", "a//20181105/session01/array01", "x/2018a", "x/channel001/", "/", "", "x/٢٠١٨/session01",
      "P/1/session1x/array9/channel9/cell10cell", "/abs/subjects", "subject"];
    const fns = ["resolve_level", "get_level_name", "get_level_path", "get_shortname"];
    const queries = cwds.flatMap((cwd) => [{ fn: "level", cwd }, { fn: "normpath", cwd },
      ...fns.flatMap((fn) => defaultLevels.levels.map((target) => ({ fn, cwd, target })))]);
    const file = join(tmp, "levels-job.json");
    writeFileSync(file, JSON.stringify({ levels: queries }));
    const out = runPythonJson<{ levels: (string | { error: string })[] }>("pyhipp_names_ref.py", [file]).levels;
    const ours = (q: { fn: string; cwd: string; target?: string }): string | { error: string } => {
      try {
        const t = q.target!;
        switch (q.fn) {
          case "level": return levelOf(q.cwd);
          case "normpath": return normpath(q.cwd);
          case "resolve_level": return resolveLevel(t, q.cwd);
          case "get_level_name": return levelName(t, q.cwd);
          case "get_level_path": return levelPath(t, q.cwd);
          default: return shortName(t, q.cwd);
        }
      } catch (e) {
        const code = (e as { code?: string }).code;
        return { error: code === "ERR_NOT_A_LEVEL" ? "ValueError" : code === "ERR_NO_LEVEL_NAME" ? "IndexError" : String(e) };
      }
    };
    const diffs = queries.map((q, i) => ({ q, py: out[i], ts: ours(q) })).filter((d) => JSON.stringify(d.py) !== JSON.stringify(d.ts));
    expect(diffs).toEqual([]);
    expect(queries.length).toBeGreaterThan(400);
  });
});
