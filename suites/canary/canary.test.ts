import { declareGates } from '../support/gate-list.ts';
import { CANARY_GATES } from './canary-gates.ts';

declareGates('canary', CANARY_GATES);
