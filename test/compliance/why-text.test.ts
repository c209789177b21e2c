// Every explanation template of the rule engine has its Chinese rendering; paths and values stay.

import { describe, expect, it } from 'vitest';
import { whyIn } from '../../src/compliance/why-text.js';

const CASES: Array<[string, string]> = [
  ['security.auditLog.retentionDays = 30; needs ≥ 90', 'security.auditLog.retentionDays = 30；要求≥ 90'],
  ['endpoints[directory].protocol = "tcp"; needs one of ["https","wss"], or = "ldap"', 'endpoints[directory].protocol = "tcp"；要求为以下之一 ["https","wss"]，或= "ldap"'],
  ['data.storage.location is missing', 'data.storage.location 缺失'],
  ['security.mfa.admins is not declared', 'security.mfa.admins 未声明'],
  ['results.tls.facts.rules was not measured', 'results.tls.facts.rules 未测量'],
  ['the tls check has no results (not run, disabled, not applicable or not installed)', 'tls 检查没有结果（未运行、已禁用、不适用或未安装）'],
  ['endpoints[files] has no resolved addresses (the dns check did not answer for it)', 'endpoints[files] 没有解析出的地址（dns 检查未给出结果）'],
  ['no element of endpoints matches (a = 1; needs = 2; b is missing)', 'endpoints 中没有匹配的元素（a = 1；要求= 2；b 缺失）'],
  ['c = ["AT","BE","...; d = "none"; needs one of ["x"]', 'c = ["AT","BE","...；d = "none"；要求为以下之一 ["x"]'],
  ['unexpected: endpoints[api].tls = true', '不应出现：endpoints[api].tls = true'],
  ['not (x = 1)', '非（x = 1）'],
  ['endpoints[nas].resolved[0] = "203.0.113.9"; needs inside ["10.0.0.0/8"]', 'endpoints[nas].resolved[0] = "203.0.113.9"；要求位于 ["10.0.0.0/8"] 之内'],
  ['a = 1; b is missing', 'a = 1；b 缺失'],
];

describe('whyIn', () => {
  it('renders each engine template in Chinese', () => {
    for (const [en, zh] of CASES) expect(whyIn('zh-CN', en)).toBe(zh);
  });

  it('leaves English as the engine wrote it', () => {
    for (const [en] of CASES) expect(whyIn('en', en)).toBe(en);
  });
});
