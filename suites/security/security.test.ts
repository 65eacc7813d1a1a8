import { declareGates } from '../support/gate-list.ts';
import { SECURITY_GATES } from './security-gates.ts';

declareGates('security', SECURITY_GATES);
