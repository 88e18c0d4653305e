/**
 * The business-term dictionary behind `business_tags`: plain data, extendable from YAML
 * (`conf/business_terms.yml`). English terms match whole identifier/comment words; CJK terms match
 * as substrings (Chinese has no spaces).
 */
import { parse as parseYaml } from "yaml";
import { configError, describeError } from "../errors.js";

export interface TermSet {
  /** English words, matched against identifier words (snake_case and camelCase split) and comment words. */
  readonly words: readonly string[];
  /** Phrases matched as substrings of names and comments (Chinese and other unspaced scripts). */
  readonly phrases: readonly string[];
}

export interface TagRule extends TermSet {
  readonly tag: string;
}

export interface TagDictionary {
  /** Domain tags, in output order. */
  readonly rules: readonly TagRule[];
  /** Names of numeric measure columns (amount, qty, 金额 …): one of the two signs of a fact table. */
  readonly measures: TermSet & {
    /** Endings that make a compound name a measure: `extendedprice`, `availqty`. */
    readonly suffixes: readonly string[];
  };
  /** Audit timestamps (created_at, 更新时间 …): they do not make a table `temporal`. */
  readonly audit: TermSet;
}

function rule(tag: string, words: string, phrases: string): TagRule {
  return { tag, words: words.split(/\s+/).filter(Boolean), phrases: phrases.split(/\s+/).filter(Boolean) };
}

export const DEFAULT_TAG_DICTIONARY: TagDictionary = {
  rules: [
    rule(
      "sales",
      "order sale sales deal quote quotation opportunity cart checkout purchase",
      "订单 销售 下单 购物车 成交 报价 销量 采购",
    ),
    rule(
      "finance",
      "payment pay paid amount price cost revenue expense budget profit margin invoice billing bill fee tax balance refund transaction salary currency discount ledger accounting",
      "金额 支付 付款 收款 价格 单价 费用 成本 收入 利润 发票 账单 结算 退款 税 余额 工资 薪资 交易 币种 财务 会计",
    ),
    rule(
      "inventory",
      "inventory stock warehouse sku supply supplier stockroom replenishment",
      "库存 仓库 仓储 入库 出库 货位 物料 供应商 盘点",
    ),
    rule(
      "product",
      "product goods item catalog brand",
      "商品 产品 品类 类目 品牌 货品",
    ),
    rule(
      "user",
      "user customer client member account profile person people employee staff contact username email",
      "用户 客户 会员 员工 账号 账户 人员 联系人 手机 邮箱 姓名",
    ),
    rule(
      "hr",
      "employee employees salary salaries department dept payroll hire",
      "员工 部门 薪资 工资 岗位 入职 离职 人事",
    ),
    rule(
      "location",
      "address city country province region zip postal postcode geo latitude longitude district location nation",
      "地址 省份 省市 城市 区县 国家 地区 经度 纬度 邮编 位置 街道",
    ),
    rule(
      "logistics",
      "shipment shipping delivery logistics carrier freight waybill",
      "物流 配送 发货 快递 运单 收货",
    ),
    rule(
      "marketing",
      "campaign coupon promotion channel advertisement",
      "营销 优惠券 活动 推广 渠道 广告",
    ),
    rule(
      "analytics",
      "agg summary metrics metric kpi report dashboard statistics stat",
      "汇总 统计 报表 指标 分析",
    ),
    rule(
      "temporal",
      "date time timestamp datetime year month day week quarter calendar fiscal period hour",
      "日期 时间 年份 月份 季度 日历 周期",
    ),
  ],
  measures: {
    words: "amount amt qty quantity price cost total revenue sum fee tax discount balance profit margin salary cnt count weight volume".split(" "),
    suffixes: "price qty amount amt cost fee total revenue".split(" "),
    phrases: "金额 数量 价格 单价 总价 成本 费用 税 折扣 余额 利润 收入 销量 次数 工资".split(" "),
  },
  audit: {
    words: "created updated modified create update modify gmt etl inserted insert loaded load".split(" "),
    phrases: "创建时间 更新时间 修改时间 创建日期 更新日期 入库时间 同步时间".split(" "),
  },
};

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const CJK = /[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;

/** A YAML list of terms: CJK entries become phrases, the rest (lower-cased) words. */
function termsFrom(value: Json, where: string): TermSet {
  if (typeof value === "string") value = value.split(/[\s,]+/);
  if (Array.isArray(value)) {
    const words: string[] = [];
    const phrases: string[] = [];
    for (const term of value) {
      if (typeof term !== "string" && typeof term !== "number") {
        throw configError(`business terms: ${where} must list words or phrases`, "write each term as a string, e.g. [order, 订单]");
      }
      const text = String(term).trim();
      if (text === "") continue;
      if (CJK.test(text)) phrases.push(text);
      else words.push(text.toLowerCase());
    }
    return { words, phrases };
  }
  if (isRecord(value)) {
    const words = value.words === undefined ? [] : termsFrom(value.words, `${where}.words`).words;
    const phrases = value.phrases === undefined ? [] : termsFrom(value.phrases, `${where}.phrases`).phrases;
    return { words, phrases };
  }
  throw configError(
    `business terms: ${where} must be a list of terms or {words, phrases}`,
    "e.g. `sales: [order, sale, 订单, 销售]`",
  );
}

function merge(a: TermSet, b: TermSet): TermSet {
  return { words: [...new Set([...a.words, ...b.words])], phrases: [...new Set([...a.phrases, ...b.phrases])] };
}

/**
 * Reads tag terms from YAML and adds them to `base` (the built-in dictionary unless told otherwise).
 * Accepted keys (others, like term_to_table, are ignored):
 *
 *     business_tags:            # or `tags:`
 *       sales: [order, 订单]     # adds terms to a tag (a new tag is appended)
 *       finance: {words: [ledger], phrases: [总账]}
 *     measures: [gmv, 成交额]
 *
 * Throws a config error (exit 2) for YAML that does not parse or has the wrong shape.
 */
export function loadTagDictionary(yamlText: string, base: TagDictionary = DEFAULT_TAG_DICTIONARY): TagDictionary {
  let doc: Json;
  try {
    doc = parseYaml(yamlText) as Json;
  } catch (err) {
    throw configError(`business terms: not valid YAML: ${describeError(err)}`, "fix the YAML syntax of conf/business_terms.yml");
  }
  if (doc === null || doc === undefined) return base;
  if (!isRecord(doc)) throw configError("business terms: the file must be a mapping", "start with `business_tags:`");
  const tags = doc.business_tags ?? doc.tags;
  const rules = base.rules.map((r) => ({ ...r }));
  if (tags !== undefined) {
    if (!isRecord(tags)) throw configError("business terms: business_tags must map tag names to terms", "e.g. `business_tags: {sales: [order, 订单]}`");
    for (const [tag, value] of Object.entries(tags)) {
      const terms = termsFrom(value, `business_tags.${tag}`);
      const at = rules.findIndex((r) => r.tag === tag);
      if (at >= 0) rules[at] = { tag, ...merge(rules[at], terms) };
      else rules.push({ tag, ...terms });
    }
  }
  let measures = base.measures;
  if (doc.measures !== undefined) {
    const extra = termsFrom(doc.measures, "measures");
    measures = { ...merge(base.measures, extra), suffixes: base.measures.suffixes };
  }
  return { rules, measures, audit: base.audit };
}
