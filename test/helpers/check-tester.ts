// CheckTester wired to vitest, for the judge tests beside each check.

import { describe, it } from 'vitest';
import { CheckTester } from '../../src/testing/check-tester.js';

CheckTester.describe = describe;
CheckTester.it = it;

export { CheckTester };
