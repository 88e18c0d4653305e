import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractEnums } from "../../src/enrich/enums.js";

function pairs(comment: string): string[] {
  return extractEnums(comment).map((e) => `${e.value}=${e.label}`);
}

describe("extractEnums finds every pair", () => {
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["status: 0=new, 1=paid", ["0=new", "1=paid"]],
    ["1:男 2:女", ["1=男", "2=女"]],
    ["状态（0:录入、1:生产、2:配车）", ["0=录入", "1=生产", "2=配车"]],
    ["0->待付款；1->待发货；2->已发货", ["0=待付款", "1=待发货", "2=已发货"]],
    ["（0正常 1停用）", ["0=正常", "1=停用"]],
    ["Y:是 N:否", ["Y=是", "N=否"]],
    ["'A' - active; 'I' - inactive", ["A=active", "I=inactive"]],
    ["0-禁用,1-启用", ["0=禁用", "1=启用"]],
    ["长期订单类型（1:长期订单,2:无效订单,3:自动取消）", ["1=长期订单", "2=无效订单", "3=自动取消"]],
    ["客户类型（0：售前客户、1：售后客户）", ["0=售前客户", "1=售后客户"]],
    ["订单状态: 1 = 待支付 | 2 = 已支付", ["1=待支付", "2=已支付"]],
    ["-1:删除 0:正常", ["-1=删除", "0=正常"]],
    ["type: P=pending, S=shipped, D=delivered", ["P=pending", "S=shipped", "D=delivered"]],
    ["状态 1.正常 2.停用", ["1=正常", "2=停用"]],
    ["Status: 0=not paid, 1=paid in full", ["0=not paid", "1=paid in full"]],
  ];
  for (const [comment, expected] of cases) {
    it(comment, () => assert.deepEqual(pairs(comment), expected));
  }

  it("accepts a single pair when the comment says it is an enumeration", () => {
    assert.deepEqual(pairs("性别 1=男"), ["1=男"]);
    assert.deepEqual(pairs("status: 1=paid"), ["1=paid"]);
    assert.deepEqual(pairs("状态(1:有效)"), ["1=有效"]);
    assert.deepEqual(pairs("type: 'B' - business"), ["B=business"]);
  });

  it("a single pair that does not clearly assign a code is prose: Level 3: admin only", () => {
    assert.deepEqual(pairs("Level 3: admin only"), []);
    assert.deepEqual(pairs("status 2: see the workflow doc"), []);
  });

  it("a JSON example in a comment is data, not codes; the codes beside it still count", () => {
    assert.deepEqual(pairs('扩展属性, 例如 {"color": "red", "size": "L"}'), []);
    assert.deepEqual(pairs('type config, e.g. {"mode": "fast", "retry": 3}'), []);
    assert.deepEqual(pairs('[{"id": 1, "name": "a"}]'), []);
    assert.deepEqual(pairs('状态 0=草稿, 1=发布; 扩展 {"k": "v"}'), ["0=草稿", "1=发布"]);
  });

  it("deduplicates by value, first label wins, order kept", () => {
    assert.deepEqual(pairs("1:男 2:女 1:male"), ["1=男", "2=女"]);
  });
});

describe("extractEnums refuses prose that only looks like pairs", () => {
  for (const comment of [
    "创建日期 2024-01-02",
    "状态 2024-01-02",
    "version v1.2.3",
    "range 1-100",
    "取值范围1-100",
    "开始时间 10:30",
    "updated at 10:30:45, 2024-01-02",
    "比例 1:2",
    "ratio 3:1 of apples and 2:1 of pears",
    "id: 12345",
    "see http://a.com and https://b.com",
    "Note: this, Example: that",
    "e-mail x-ray address",
    "保留 3天 7天 30天",
    "价格 1.5 元",
    "1. first step 2. second step",
    "a) foo b) bar",
    "订单ID",
    "金额<元>",
    "",
  ]) {
    it(JSON.stringify(comment), () => assert.deepEqual(extractEnums(comment), []));
  }
});
