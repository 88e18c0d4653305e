/**
 * The embedded demo: a small shop-and-warehouse DuckDB database written for this project.
 * 14 tables and 2 views in schema `main`, table and column comments in English and Chinese,
 * enum-style comments in the forms real schemas use, declared foreign keys (single and composite)
 * next to undeclared ones (`warehouse_id` columns with no REFERENCES), tables without any comment,
 * and a few thousand deterministic rows (generated with `range()`, no randomness) so that
 * statistics mean something.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { duckdbApi } from "../dialects/duckdb/duckdb-api.js";
import { DuckDbSource } from "../dialects/duckdb/duckdb-source.js";
import { queryRows, quoteIdent, quoteLiteral, text } from "../dialects/duckdb/duckdb-sql.js";
import type { LiveTable } from "../dialects/live-source.js";
import type { SourceTable } from "../model.js";

interface DemoRelation {
  readonly name: string;
  readonly type: "table" | "view";
  readonly ddl: string;
  readonly comment?: string;
  readonly columnComments?: Readonly<Record<string, string>>;
  /** Statements that fill the table, run right after it is created. */
  readonly load?: readonly string[];
}

const RELATIONS: readonly DemoRelation[] = [
  {
    name: "regions",
    type: "table",
    ddl: `CREATE TABLE regions (
  region_id INTEGER PRIMARY KEY,
  region_code VARCHAR NOT NULL UNIQUE,
  region_name VARCHAR NOT NULL,
  parent_id INTEGER,
  region_level SMALLINT NOT NULL
)`,
    comment: "销售区域 Sales regions and cities",
    columnComments: {
      region_code: "区域编码 region code",
      region_name: "区域名称 region name",
      parent_id: "上级区域 parent region, NULL for top level",
      region_level: "level: 1=region, 2=province, 3=city",
    },
    load: [
      `INSERT INTO regions VALUES
  (1, 'EC', '华东 East China', NULL, 1), (2, 'NC', '华北 North China', NULL, 1),
  (3, 'SC', '华南 South China', NULL, 1), (4, 'SW', '西南 Southwest', NULL, 1),
  (5, 'SH', '上海 Shanghai', 1, 3), (6, 'HZ', '杭州 Hangzhou', 1, 3), (7, 'NJ', '南京 Nanjing', 1, 3),
  (8, 'BJ', '北京 Beijing', 2, 3), (9, 'TJ', '天津 Tianjin', 2, 3), (10, 'GZ', '广州 Guangzhou', 3, 3),
  (11, 'SZ', '深圳 Shenzhen', 3, 3), (12, 'CD', '成都 Chengdu', 4, 3)`,
    ],
  },
  {
    name: "customers",
    type: "table",
    ddl: `CREATE TABLE customers (
  customer_id INTEGER PRIMARY KEY,
  customer_name VARCHAR NOT NULL,
  email VARCHAR,
  phone VARCHAR,
  gender VARCHAR(1),
  is_vip VARCHAR(1) NOT NULL DEFAULT 'N',
  region_id INTEGER REFERENCES regions (region_id),
  status SMALLINT NOT NULL DEFAULT 0,
  registered_at TIMESTAMP NOT NULL
)`,
    comment: "客户信息表 Customer master data",
    columnComments: {
      customer_name: "客户姓名 customer name",
      email: "Email address",
      phone: "手机号",
      gender: "性别 M:男 F:女 U:未知",
      is_vip: "是否VIP客户 Y:是 N:否",
      region_id: "所属城市 home city (regions.region_id)",
      status: "账号状态（0正常 1停用）",
      registered_at: "注册时间 registration time",
    },
    load: [
      `INSERT INTO customers
SELECT i,
       list_element(['张', '王', '李', '赵', '陈', '刘', '杨', '黄'], i % 8 + 1)
         || list_element(['伟', '芳', '娜', '敏', '静', '磊', '强', '洋', '艳', '杰'], (i * 7) % 10 + 1),
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
       '138' || lpad(CAST((i * 7919) % 100000000 AS VARCHAR), 8, '0'),
       CASE WHEN i % 11 = 0 THEN 'U' WHEN i % 2 = 0 THEN 'F' ELSE 'M' END,
       CASE WHEN i % 7 = 0 THEN 'Y' ELSE 'N' END,
       5 + (i * 3) % 8,
       CASE WHEN i % 23 = 0 THEN 1 ELSE 0 END,
       TIMESTAMP '2022-01-01 08:00:00' + to_days(CAST((i * 37) % 730 AS INTEGER))
         + to_seconds(CAST((i * 7919) % 43200 AS DOUBLE))
  FROM range(1, 501) AS t(i)`,
    ],
  },
  {
    name: "suppliers",
    type: "table",
    ddl: `CREATE TABLE suppliers (
  supplier_id INTEGER PRIMARY KEY,
  supplier_name VARCHAR NOT NULL,
  contact_name VARCHAR,
  phone VARCHAR,
  city VARCHAR,
  rating DECIMAL(3,1),
  active_flag VARCHAR(1) NOT NULL
)`,
    load: [
      `INSERT INTO suppliers
SELECT i,
       list_element(['华', '联', '达', '盛', '鑫'], i % 5 + 1)
         || list_element(['科技', '贸易', '食品', '纺织'], i % 4 + 1) || '有限公司 Supplier ' || lpad(CAST(i AS VARCHAR), 2, '0'),
       list_element(['Li Wei', 'Wang Fang', 'Zhang Min', 'Chen Jie'], i % 4 + 1),
       '021-' || lpad(CAST((i * 4271) % 10000000 AS VARCHAR), 8, '0'),
       list_element(['Shanghai', 'Shenzhen', 'Hangzhou', 'Chengdu', 'Beijing'], i % 5 + 1),
       CAST(3.0 + ((i * 7) % 20) / 10.0 AS DECIMAL(3,1)),
       CASE WHEN i % 9 = 0 THEN 'N' ELSE 'Y' END
  FROM range(1, 21) AS t(i)`,
    ],
  },
  {
    name: "categories",
    type: "table",
    ddl: `CREATE TABLE categories (
  category_id INTEGER PRIMARY KEY,
  category_name VARCHAR NOT NULL,
  parent_id INTEGER,
  sort_order INTEGER
)`,
    comment: "Product category tree (two levels)",
    columnComments: {
      category_name: "category name",
      parent_id: "parent category, NULL for top level",
    },
    load: [
      `INSERT INTO categories VALUES
  (1, 'Electronics', NULL, 1), (2, 'Home', NULL, 2), (3, 'Food', NULL, 3), (4, 'Apparel', NULL, 4),
  (5, 'Phones', 1, 1), (6, 'Laptops', 1, 2), (7, 'Audio', 1, 3), (8, 'Kitchen', 2, 1), (9, 'Bedding', 2, 2),
  (10, 'Snacks', 3, 1), (11, 'Beverages', 3, 2), (12, 'Fresh', 3, 3), (13, 'Menswear', 4, 1),
  (14, 'Womenswear', 4, 2), (15, 'Shoes', 4, 3)`,
    ],
  },
  {
    name: "products",
    type: "table",
    ddl: `CREATE TABLE products (
  product_id INTEGER PRIMARY KEY,
  sku VARCHAR NOT NULL UNIQUE,
  product_name VARCHAR NOT NULL,
  category_id INTEGER NOT NULL REFERENCES categories (category_id),
  supplier_id INTEGER REFERENCES suppliers (supplier_id),
  unit_price DECIMAL(10,2) NOT NULL,
  cost_price DECIMAL(10,2),
  weight_kg DOUBLE,
  status SMALLINT NOT NULL DEFAULT 1,
  launched_on DATE
)`,
    comment: "商品表 Products sold in the shop",
    columnComments: {
      sku: "商品编码 stock keeping unit",
      product_name: "商品名称 product name",
      category_id: "leaf category of the product",
      unit_price: "零售价（元）retail price in CNY",
      cost_price: "采购成本 purchase cost",
      weight_kg: "shipping weight in kilograms",
      status: "status: 0=draft, 1=on sale, 2=discontinued",
      launched_on: "上架日期 launch date",
    },
    load: [
      `INSERT INTO products
SELECT i,
       'SKU-' || lpad(CAST(i AS VARCHAR), 5, '0'),
       list_element(['智能手机 Smartphone', '笔记本电脑 Laptop', '蓝牙耳机 Earbuds', '不粘锅 Frying pan',
                     '四件套 Bedding set', '坚果礼盒 Nut gift box', '绿茶饮料 Green tea', '有机蔬菜 Organic vegetables',
                     '男士衬衫 Shirt', '连衣裙 Dress', '跑鞋 Running shoes'], i % 11 + 1)
         || ' ' || chr(CAST(65 + i % 26 AS INTEGER)) || CAST((i * 7) % 90 + 10 AS VARCHAR),
       5 + i % 11,
       CASE WHEN i % 25 = 0 THEN NULL ELSE 1 + (i * 7) % 20 END,
       price,
       CAST(price * 0.62 AS DECIMAL(10,2)),
       0.1 + ((i * 13) % 50) / 10.0,
       CASE WHEN i % 17 = 0 THEN 2 WHEN i % 29 = 0 THEN 0 ELSE 1 END,
       DATE '2021-03-01' + CAST((i * 11) % 900 AS INTEGER)
  FROM (SELECT i, CAST(9.9 + (i * 37) % 500 + (i % 10) * 0.09 AS DECIMAL(10,2)) AS price
          FROM range(1, 201) AS t(i))`,
    ],
  },
  {
    name: "warehouses",
    type: "table",
    ddl: `CREATE TABLE warehouses (
  warehouse_id INTEGER PRIMARY KEY,
  warehouse_code VARCHAR NOT NULL UNIQUE,
  warehouse_name VARCHAR NOT NULL,
  region_id INTEGER REFERENCES regions (region_id),
  warehouse_type SMALLINT NOT NULL,
  capacity_m3 DECIMAL(12,2),
  status SMALLINT NOT NULL DEFAULT 0,
  opened_on DATE
)`,
    comment: "仓库表 Warehouses and stores that hold stock",
    columnComments: {
      warehouse_code: "仓库编码",
      warehouse_name: "仓库名称 warehouse name",
      warehouse_type: "仓库类型（1:自营仓、2:第三方仓、3:门店仓）",
      capacity_m3: "storage capacity in cubic metres",
      status: "（0正常 1停用）",
    },
    load: [
      `INSERT INTO warehouses VALUES
  (1, 'WH-SH01', '上海一号仓 Shanghai DC1', 5, 1, 12000.00, 0, DATE '2019-05-01'),
  (2, 'WH-BJ01', '北京仓 Beijing DC', 8, 1, 9000.00, 0, DATE '2019-09-15'),
  (3, 'WH-GZ01', '广州第三方仓 Guangzhou 3PL', 10, 2, 7500.00, 0, DATE '2020-03-01'),
  (4, 'WH-CD01', '成都仓 Chengdu DC', 12, 1, 6000.00, 0, DATE '2021-06-20'),
  (5, 'WH-HZ-S1', '杭州门店仓 Hangzhou store', 6, 3, 800.00, 0, DATE '2022-01-10'),
  (6, 'WH-TJ01', '天津仓（停用）Tianjin, closed', 9, 2, 5000.00, 1, DATE '2018-11-11')`,
    ],
  },
  {
    name: "inventory",
    type: "table",
    // warehouse_id has no REFERENCES on purpose: an undeclared foreign key.
    ddl: `CREATE TABLE inventory (
  warehouse_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products (product_id),
  quantity_on_hand INTEGER NOT NULL,
  quantity_reserved INTEGER NOT NULL DEFAULT 0,
  reorder_point INTEGER,
  updated_at TIMESTAMP,
  PRIMARY KEY (warehouse_id, product_id)
)`,
    comment: "库存 Stock level per warehouse and product",
    columnComments: {
      warehouse_id: "仓库ID warehouse holding the stock",
      quantity_on_hand: "在库数量 units on hand",
      quantity_reserved: "reserved for open orders",
      reorder_point: "补货点 reorder when on hand falls to this level",
    },
    load: [
      `INSERT INTO inventory
SELECT w, p,
       CASE WHEN w = 6 THEN 0 ELSE (w * 31 + p * 17) % 500 END AS on_hand,
       CASE WHEN w = 6 THEN 0 ELSE ((w * 31 + p * 17) % 500) % 7 END,
       20 + (p % 5) * 10,
       TIMESTAMP '2024-06-30 18:00:00' - to_seconds(CAST((w * p * 97) % 604800 AS DOUBLE))
  FROM range(1, 7) AS a(w), range(1, 201) AS b(p)`,
    ],
  },
  {
    name: "orders",
    type: "table",
    // warehouse_id has no REFERENCES on purpose: an undeclared foreign key.
    ddl: `CREATE TABLE orders (
  order_id INTEGER PRIMARY KEY,
  order_no VARCHAR NOT NULL UNIQUE,
  customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
  warehouse_id INTEGER,
  order_status SMALLINT NOT NULL,
  payment_method SMALLINT,
  total_amount DECIMAL(12,2) NOT NULL,
  discount_amount DECIMAL(12,2) NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL,
  paid_at TIMESTAMP,
  remark VARCHAR
)`,
    comment: "订单主表 Sales orders",
    columnComments: {
      order_no: "订单编号 order number",
      customer_id: "下单客户 ordering customer",
      warehouse_id: "发货仓库 fulfilment warehouse",
      order_status: "订单状态：0->待付款；1->待发货；2->已发货；3->已完成；4->已取消",
      payment_method: "payment method: 1=alipay, 2=wechat pay, 3=credit card",
      total_amount: "实付金额 amount paid after discount",
      discount_amount: "优惠金额 discount",
      created_at: "下单时间 order time",
      paid_at: "payment time, NULL while unpaid",
    },
    load: [
      // Order lines first (in a temporary table) so that order totals are the sums of their lines.
      `CREATE TEMP TABLE demo_lines AS
SELECT CAST(g.o AS INTEGER) AS order_id, CAST(g.l AS SMALLINT) AS line_no, p.product_id,
       CAST(1 + (g.o + g.l) % 3 AS INTEGER) AS quantity, p.unit_price,
       CAST((1 + (g.o + g.l) % 3) * p.unit_price AS DECIMAL(12,2)) AS line_amount
  FROM (SELECT o, l FROM range(1, 2001) AS a(o), range(1, 5) AS b(l) WHERE l <= 1 + (o * 7) % 4) AS g
  JOIN products AS p ON p.product_id = 1 + (g.o * 13 + g.l * 29) % 200`,
      `INSERT INTO orders
SELECT o,
       'SO' || strftime(created, '%Y%m%d') || lpad(CAST(o AS VARCHAR), 6, '0'),
       1 + (o * 17) % 500,
       CASE WHEN o % 40 = 0 THEN NULL ELSE 1 + (o * 3) % 5 END,
       status,
       CASE WHEN status = 0 THEN NULL ELSE 1 + o % 3 END,
       total - discount,
       discount,
       created,
       CASE WHEN status IN (1, 2, 3) OR o % 20 = 19 THEN created + to_seconds(CAST(60 + (o * 7) % 3000 AS DOUBLE)) END,
       CASE WHEN o % 50 = 0 THEN '请尽快发货' WHEN o % 77 = 0 THEN 'gift wrap, please' END
  FROM (SELECT o,
               CASE o % 10 WHEN 0 THEN 0 WHEN 9 THEN 4 WHEN 1 THEN 1 WHEN 2 THEN 1 WHEN 3 THEN 2 WHEN 4 THEN 2 ELSE 3 END AS status,
               TIMESTAMP '2023-01-01 00:00:00' + to_seconds(CAST(o * 23000 + (o * 7919) % 20000 AS DOUBLE)) AS created,
               t.total,
               CASE WHEN o % 6 = 0 THEN CAST(round(t.total * 0.1, 2) AS DECIMAL(12,2)) ELSE 0 END AS discount
          FROM (SELECT order_id AS o, sum(line_amount) AS total FROM demo_lines GROUP BY order_id) AS t)`,
    ],
  },
  {
    name: "order_items",
    type: "table",
    ddl: `CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders (order_id),
  line_no SMALLINT NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products (product_id),
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  line_amount DECIMAL(12,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
)`,
    comment: "订单明细 Order lines",
    columnComments: {
      line_no: "行号 line number within the order",
      quantity: "购买数量 quantity ordered",
      unit_price: "price at order time",
      line_amount: "quantity × unit price",
    },
    load: [`INSERT INTO order_items SELECT * FROM demo_lines ORDER BY order_id, line_no`],
  },
  {
    name: "payments",
    type: "table",
    ddl: `CREATE TABLE payments (
  payment_id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders (order_id),
  amount DECIMAL(12,2) NOT NULL,
  channel VARCHAR NOT NULL,
  pay_status SMALLINT NOT NULL,
  paid_at TIMESTAMP,
  transaction_ref VARCHAR UNIQUE
)`,
    comment: "Payment transactions / 支付流水",
    columnComments: {
      amount: "支付金额 amount",
      pay_status: "status: 0=new, 1=paid, 2=refunded",
      transaction_ref: "payment provider reference, NULL until paid",
    },
    load: [
      `INSERT INTO payments
SELECT order_id,
       order_id,
       total_amount,
       list_element(['alipay', 'wechat', 'card'], coalesce(payment_method, 1)),
       CASE WHEN paid_at IS NULL THEN 0 WHEN order_status = 4 THEN 2 ELSE 1 END,
       paid_at,
       CASE WHEN paid_at IS NULL THEN NULL ELSE 'TX' || lpad(CAST(order_id * 7919 AS VARCHAR), 10, '0') END
  FROM orders
 WHERE paid_at IS NOT NULL OR order_id % 30 = 0`,
    ],
  },
  {
    name: "shipments",
    type: "table",
    // warehouse_id has no REFERENCES on purpose: an undeclared foreign key.
    ddl: `CREATE TABLE shipments (
  shipment_id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders (order_id),
  warehouse_id INTEGER NOT NULL,
  carrier VARCHAR,
  tracking_no VARCHAR,
  ship_status SMALLINT NOT NULL,
  shipped_at TIMESTAMP,
  delivered_at TIMESTAMP
)`,
    comment: "发货单 Shipments",
    columnComments: {
      warehouse_id: "shipping warehouse",
      carrier: "承运商 carrier",
      ship_status: "状态（0:录入、1:生产、2:配车、3:在途、4:签收）",
      delivered_at: "签收时间 delivery time",
    },
    load: [
      `INSERT INTO shipments
SELECT row_number() OVER (ORDER BY order_id),
       order_id,
       coalesce(warehouse_id, 1),
       list_element(['顺丰 SF Express', '京东物流 JD Logistics', '中通 ZTO', 'EMS'], order_id % 4 + 1),
       CASE WHEN s >= 2 THEN 'TN' || lpad(CAST(order_id * 104729 AS VARCHAR), 12, '0') END,
       s,
       CASE WHEN s >= 2 THEN paid_at + to_days(1) END,
       CASE WHEN s = 4 THEN paid_at + to_days(CAST(2 + order_id % 4 AS INTEGER)) END
  FROM (SELECT *, CASE order_status WHEN 3 THEN 4 WHEN 2 THEN 2 + order_id % 2 ELSE order_id % 2 END AS s
          FROM orders
         WHERE order_status IN (2, 3) OR (order_status = 1 AND order_id % 3 = 0))`,
    ],
  },
  {
    name: "returns",
    type: "table",
    ddl: `CREATE TABLE returns (
  return_id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL,
  line_no SMALLINT NOT NULL,
  quantity INTEGER NOT NULL,
  reason VARCHAR,
  return_status SMALLINT NOT NULL,
  requested_at TIMESTAMP NOT NULL,
  FOREIGN KEY (order_id, line_no) REFERENCES order_items (order_id, line_no)
)`,
    comment: "退货记录 Returned order lines",
    columnComments: {
      reason: "customer's reason",
      return_status: "退货状态：1-申请中，2-已同意，3-已拒绝",
      requested_at: "申请时间",
    },
    load: [
      `INSERT INTO returns
SELECT row_number() OVER (ORDER BY i.order_id, i.line_no),
       i.order_id,
       i.line_no,
       1,
       list_element(['尺码不合适 wrong size', '质量问题 quality issue', '不想要了 changed mind', NULL], (i.order_id + i.line_no) % 4 + 1),
       1 + i.order_id % 3,
       o.created_at + to_days(CAST(5 + i.order_id % 10 AS INTEGER))
  FROM order_items AS i
  JOIN orders AS o ON o.order_id = i.order_id
 WHERE o.order_status = 3 AND (i.order_id * 31 + i.line_no) % 23 = 0`,
    ],
  },
  {
    name: "stock_movements",
    type: "table",
    // No comments at all, and undeclared foreign keys (warehouse_id, product_id).
    ddl: `CREATE TABLE stock_movements (
  movement_id BIGINT PRIMARY KEY,
  warehouse_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL,
  movement_type VARCHAR NOT NULL,
  quantity INTEGER NOT NULL,
  reference_no VARCHAR,
  moved_at TIMESTAMP NOT NULL
)`,
    load: [
      `INSERT INTO stock_movements
SELECT i,
       1 + i % 5,
       1 + (i * 37) % 200,
       kind,
       CASE kind WHEN 'OUT' THEN -(1 + i % 5) WHEN 'IN' THEN 10 + (i * 7) % 90 ELSE i % 7 - 3 END,
       CASE kind WHEN 'OUT' THEN 'SO' || lpad(CAST(1 + i % 2000 AS VARCHAR), 6, '0')
                 WHEN 'IN' THEN 'PO' || lpad(CAST(i AS VARCHAR), 6, '0') END,
       TIMESTAMP '2023-01-01 00:00:00' + to_seconds(CAST(i * 15000 AS DOUBLE))
  FROM (SELECT i, CASE WHEN i % 10 < 5 THEN 'OUT' WHEN i % 10 < 9 THEN 'IN' ELSE 'ADJUST' END AS kind
          FROM range(1, 3001) AS t(i))`,
    ],
  },
  {
    name: "employees",
    type: "table",
    ddl: `CREATE TABLE employees (
  employee_id INTEGER PRIMARY KEY,
  employee_name VARCHAR NOT NULL,
  warehouse_id INTEGER REFERENCES warehouses (warehouse_id),
  manager_id INTEGER,
  job_title VARCHAR,
  is_active VARCHAR(1) NOT NULL DEFAULT 'Y',
  hired_on DATE NOT NULL,
  monthly_salary DECIMAL(10,2)
)`,
    comment: "员工表 Warehouse staff",
    columnComments: {
      employee_name: "员工姓名",
      manager_id: "直属上级 manager (employees.employee_id)",
      job_title: "岗位 job title",
      is_active: "是否在职 Y:是 N:否",
      hired_on: "入职日期 hire date",
      monthly_salary: "月薪（元）monthly salary in CNY",
    },
    load: [
      `INSERT INTO employees
SELECT i,
       list_element(['周', '吴', '郑', '孙', '马', '朱'], i % 6 + 1) || list_element(['建国', '丽', '勇', '婷', '超', '霞', '斌'], i % 7 + 1),
       1 + i % 6,
       CASE WHEN i <= 6 THEN NULL WHEN i % 6 = 0 THEN 6 ELSE i % 6 END,
       CASE WHEN i <= 6 THEN '仓库主管 Warehouse manager'
            ELSE list_element(['拣货员 Picker', '打包员 Packer', '叉车司机 Forklift driver', '库管员 Stock clerk'], i % 4 + 1) END,
       CASE WHEN i % 13 = 0 THEN 'N' ELSE 'Y' END,
       DATE '2018-01-01' + CAST((i * 53) % 2000 AS INTEGER),
       CAST(CASE WHEN i <= 6 THEN 15000 + i * 500 ELSE 5000 + (i * 137) % 3000 END AS DECIMAL(10,2))
  FROM range(1, 61) AS t(i)`,
    ],
  },
  {
    name: "v_order_summary",
    type: "view",
    ddl: `CREATE VIEW v_order_summary AS
SELECT o.order_id, o.order_no, c.customer_name, o.order_status, count(i.line_no) AS item_count,
       o.total_amount, o.created_at
  FROM orders AS o
  JOIN customers AS c ON c.customer_id = o.customer_id
  LEFT JOIN order_items AS i ON i.order_id = o.order_id
 GROUP BY o.order_id, o.order_no, c.customer_name, o.order_status, o.total_amount, o.created_at`,
    comment: "订单汇总视图 Order summary: customer and number of lines per order",
    columnComments: { item_count: "订单行数 number of order lines" },
  },
  {
    name: "v_low_stock",
    type: "view",
    ddl: `CREATE VIEW v_low_stock AS
SELECT w.warehouse_name, p.sku, p.product_name, s.quantity_on_hand, s.reorder_point
  FROM inventory AS s
  JOIN warehouses AS w ON w.warehouse_id = s.warehouse_id
  JOIN products AS p ON p.product_id = s.product_id
 WHERE w.status = 0 AND s.quantity_on_hand <= s.reorder_point`,
    comment: "Products at or below their reorder point in active warehouses",
  },
];

/** Names of the demo's tables and views, sorted. */
export const DEMO_TABLE_NAMES: readonly string[] = RELATIONS.map((r) => r.name).sort();

/** The SQL that creates, comments and fills every demo relation, in order. */
function buildStatements(): string[] {
  const out: string[] = [];
  for (const rel of RELATIONS) {
    out.push(rel.ddl);
    if (rel.comment !== undefined) {
      out.push(`COMMENT ON ${rel.type === "view" ? "VIEW" : "TABLE"} ${rel.name} IS ${quoteLiteral(rel.comment)}`);
    }
    for (const [column, comment] of Object.entries(rel.columnComments ?? {})) {
      out.push(`COMMENT ON COLUMN ${rel.name}.${column} IS ${quoteLiteral(comment)}`);
    }
    out.push(...(rel.load ?? []));
  }
  return out;
}

/**
 * Builds the demo DuckDB database at `file`. Idempotent: a complete demo database already there is
 * left untouched; anything else at that path (partial, older, not a database) is replaced. The
 * database is written to a temporary file beside `file` and renamed into place when complete,
 * so an interrupted build never leaves a half-built file under the real name.
 */
export async function buildDemoDatabase(file: string): Promise<void> {
  if (await isCompleteDemo(file)) return;
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const building = `${file}.building-${process.pid}`;
  await removeDatabaseFiles(building);
  const instance = await (await duckdbApi()).DuckDBInstance.create(building);
  try {
    const conn = await instance.connect();
    try {
      for (const sql of buildStatements()) await conn.run(sql);
      await conn.run("CHECKPOINT");
    } finally {
      conn.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    await removeDatabaseFiles(building);
    throw err;
  }
  instance.closeSync();
  await removeDatabaseFiles(file);
  await fs.rename(building, file);
  await fs.rm(`${building}.wal`, { force: true });
}

async function removeDatabaseFiles(file: string): Promise<void> {
  await fs.rm(file, { force: true });
  await fs.rm(`${file}.wal`, { force: true });
}

/** True when `file` is a DuckDB database holding every demo relation, each table non-empty. */
async function isCompleteDemo(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat === undefined || !stat.isFile()) return false;
  let source: DuckDbSource | undefined;
  try {
    source = await DuckDbSource.open(file);
    return await source.withConnection(async (conn) => {
      const rows = await queryRows(
        conn,
        `SELECT table_name AS name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
         UNION ALL
         SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'
         ORDER BY name`,
      );
      const names = rows.map((r) => text(r, "name"));
      if (names.join("\n") !== DEMO_TABLE_NAMES.join("\n")) return false;
      const counts = RELATIONS.filter((r) => r.type === "table").map(
        (r) => `SELECT count(*) > 0 AS filled FROM main.${quoteIdent(r.name)}`,
      );
      const filled = await queryRows(conn, counts.join("\nUNION ALL\n"));
      return filled.every((r) => r["filled"] === true);
    });
  } catch {
    return false;
  } finally {
    await source?.close();
  }
}

/**
 * What a v0 store written by the old agent for the demo database holds: one SourceTable per demo
 * table and view, ordered by name, whose definition is DuckDB's own DDL (`duckdb_tables().sql` /
 * `duckdb_views().sql`, which never contains comments) followed by the `COMMENT ON TABLE|VIEW`
 * and `COMMENT ON COLUMN` statements of that relation.
 */
export async function demoV0Definitions(file: string): Promise<SourceTable[]> {
  const source = await DuckDbSource.open(file);
  try {
    const tables = await source.listTables({ schema: "main" });
    return tables
      .map((t) => ({ ...t.source, definition: withCommentStatements(t) }))
      .sort((a, b) => (a.tableName < b.tableName ? -1 : a.tableName > b.tableName ? 1 : 0));
  } finally {
    await source.close();
  }
}

function withCommentStatements(table: LiveTable): string {
  const { structure } = table;
  const name = plainIdent(structure.tableName);
  const lines = [table.source.definition];
  if (structure.comment !== "") {
    const kind = structure.tableType === "view" ? "VIEW" : "TABLE";
    lines.push(`COMMENT ON ${kind} ${name} IS ${quoteLiteral(structure.comment)};`);
  }
  for (const col of structure.columns) {
    if (col.comment !== "") {
      lines.push(`COMMENT ON COLUMN ${name}.${plainIdent(col.name)} IS ${quoteLiteral(col.comment)};`);
    }
  }
  return lines.join("\n");
}

/** The name bare when it is a plain lowercase identifier, else quoted. */
function plainIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : quoteIdent(name);
}
