// What `siteready init` says to people: prompts, notes and usage errors. Ids + parameters, English
// and Chinese, like every other catalog of text. The file it writes stays English (comments in a
// config file are shared by everyone who edits it).

import { format, type Lang } from '../i18n/index.js';
import { didYouMean, suggest } from '../util/suggest.js';

export const initMessages = {
  en: {
    intro: 'A few questions to write {file}. An empty answer skips an optional one; Ctrl-C quits without writing.',
    platformsList: "Platform catalogs: cloud — {saas}; self-hosted templates (need your server's host name) — {selfHosted}",
    askName: 'Site name (shown in every report)',
    askPlatforms: 'Platform(s) to be ready for, comma-separated',
    askDomain: 'Host name of your {platforms} server',
    askCountry: 'Country, ISO 3166-1 alpha-2 (e.g. CN, US, DE; empty to skip)',
    askUsers: 'People at this site who will use it (empty to skip)',
    askSize: 'Size: small, medium, large or enterprise (empty to skip)',
    askLinks: 'Links as name:downMbps/upMbps, comma-separated, e.g. internet:200/50 (empty: one internet link, figures filled in later)',
    inputClosed: 'input ended before every question was answered; nothing written',
    proxyFound: 'Proxy from {source}: {url}',
    proxyCredentials:
      'The proxy URL carried credentials: the user name is written, the password is not. Set {env} in the environment of every run.',
    pacFound: 'PAC file from {source}: {pac}',
    proxyScheme: '{source} names a {scheme} proxy; only http:// and https:// proxies can be written, so it is left out',
    pacIgnored: 'A PAC file ({pac}) is configured too; the proxy URL wins when both are set, so the PAC file is written as a comment',
    proxyIgnored: '{source} names a proxy too ({url}); --pac was given, so the proxy URL is written as a comment',
    domainUnused: '--domain is used only by self-hosted templates, and none was chosen: it is not written',
    tokenNote: 'Set SITEREADY_TOKEN (the token the reflector was started with) before assessing.',
    wrote: 'Wrote {file}.',
    next: 'Next: siteready validate {file}, then siteready assess {file}',
    exists: '{file} already exists',
    existsHint: 'pass --force to overwrite it, or write another file: siteready init other-site.yaml',
    notWritable: '{file} cannot be written: {why}',
    problems: '{count} problems',
    missing: 'missing (no terminal to ask on, or --yes): {what}',
    missingHint: 'for example: {example}',
    unknownPlatform: 'unknown platform "{input}"',
    unknownPlatformHint: 'known platforms: {known} (see `siteready platforms`)',
    didYouMean: 'did you mean {guesses}?',
    or: ' or ',
    needsDomain: '{platforms} is a template over your own servers: it needs --domain (its host name, e.g. chat.example.com)',
    badDomain: '"{input}" is not a host name (e.g. chat.example.com)',
    badName: 'a site name is 1 to 200 characters, on one line',
    badCountry: '"{input}" is not an ISO 3166-1 alpha-2 country code',
    countryHint: 'two letters, e.g. CN, US, DE, GB',
    badUsers: '"{input}" is not a number of users (a whole number from 1 to 10000000)',
    badSize: '"{input}" is not a size: small, medium, large or enterprise',
    badLink: '"{input}" is not a link: name:downMbps/upMbps, e.g. internet:200/50 (name: letters, digits, ".", "_", "-")',
    duplicateLink: 'the link name "{input}" is given twice',
    badProbe: '"{input}" is not a reflector address: host:port, e.g. reflector.dc1.example:7000',
    badPac: '"{input}" is not a PAC file location: an http(s) URL or a file path',
    badProxy: '"{input}" is not an http(s) proxy URL, e.g. http://proxy.corp.example:3128',
  },
  'zh-CN': {
    intro: '回答几个问题以生成 {file}。可选问题直接回车即跳过；Ctrl-C 退出且不写入任何文件。',
    platformsList: '平台目录：云服务 — {saas}；自建模板（需要您服务器的主机名）— {selfHosted}',
    askName: '站点名称（显示在每份报告中）',
    askPlatforms: '要评估的平台，多个以逗号分隔',
    askDomain: '您的 {platforms} 服务器主机名',
    askCountry: '国家或地区，ISO 3166-1 二字母代码（如 CN、US、DE；留空跳过）',
    askUsers: '本站点将使用该平台的人数（留空跳过）',
    askSize: '规模：small、medium、large 或 enterprise（留空跳过）',
    askLinks: '链路，格式 名称:下行Mbps/上行Mbps，多个以逗号分隔，如 internet:200/50（留空：一条 internet 链路，带宽稍后填写）',
    inputClosed: '问题尚未全部回答输入就已结束；未写入任何文件',
    proxyFound: '来自 {source} 的代理：{url}',
    proxyCredentials: '代理 URL 中带有凭据：已写入用户名，未写入密码。每次运行前请在环境变量中设置 {env}。',
    pacFound: '来自 {source} 的 PAC 文件：{pac}',
    proxyScheme: '{source} 指定的是 {scheme} 代理；只能写入 http:// 或 https:// 代理，因此未写入',
    pacIgnored: '同时配置了 PAC 文件（{pac}）；两者同时存在时以代理 URL 为准，因此 PAC 文件以注释形式写入',
    proxyIgnored: '{source} 也指定了代理（{url}）；由于给出了 --pac，代理 URL 以注释形式写入',
    domainUnused: '--domain 仅用于自建模板，而所选平台中没有自建模板：未写入',
    tokenNote: '评估前请设置 SITEREADY_TOKEN（反射器启动时使用的令牌）。',
    wrote: '已写入 {file}。',
    next: '下一步：siteready validate {file}，然后 siteready assess {file}',
    exists: '{file} 已存在',
    existsHint: '加 --force 覆盖它，或写入另一个文件：siteready init other-site.yaml',
    notWritable: '无法写入 {file}：{why}',
    problems: '{count} 个问题',
    missing: '缺少以下值（没有可交互的终端，或使用了 --yes）：{what}',
    missingHint: '例如：{example}',
    unknownPlatform: '未知平台 "{input}"',
    unknownPlatformHint: '已知平台：{known}（见 `siteready platforms`）',
    didYouMean: '您是否想输入 {guesses}？',
    or: ' 或 ',
    needsDomain: '{platforms} 是基于您自有服务器的模板：需要 --domain（其主机名，如 chat.example.com）',
    badDomain: '"{input}" 不是有效的主机名（如 chat.example.com）',
    badName: '站点名称为 1 到 200 个字符，且只能占一行',
    badCountry: '"{input}" 不是 ISO 3166-1 二字母国家或地区代码',
    countryHint: '两个字母，如 CN、US、DE、GB',
    badUsers: '"{input}" 不是有效的用户数（1 到 10000000 之间的整数）',
    badSize: '"{input}" 不是有效的规模：small、medium、large 或 enterprise',
    badLink: '"{input}" 不是有效的链路：名称:下行Mbps/上行Mbps，如 internet:200/50（名称：字母、数字、"."、"_"、"-"）',
    duplicateLink: '链路名称 "{input}" 重复出现',
    badProbe: '"{input}" 不是有效的反射器地址：主机:端口，如 reflector.dc1.example:7000',
    badPac: '"{input}" 不是有效的 PAC 文件位置：http(s) URL 或文件路径',
    badProxy: '"{input}" 不是有效的 http(s) 代理 URL，如 http://proxy.corp.example:3128',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export type InitMessageId = keyof (typeof initMessages)['en'];

export function im(lang: Lang, id: InitMessageId, params: Record<string, string | number> = {}): string {
  return format(initMessages[lang][id] ?? initMessages.en[id], params);
}

/**
 * "did you mean …?" in the user's language. English goes through the shared helper so the wording
 * matches every other command's; other languages get the same guesses.
 */
export function guessText(lang: Lang, input: string, candidates: string[]): string {
  if (lang === 'en') return didYouMean(input, candidates) ?? '';
  const found = suggest(input, candidates);
  return found.length ? im(lang, 'didYouMean', { guesses: found.map((s) => `"${s}"`).join(im(lang, 'or')) }) : '';
}
