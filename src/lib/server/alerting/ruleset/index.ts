/** The rule set in Redis: groups, rules, their versions and who changed them (the rule files seed it). */
export * from './repo';
