import { declareGates } from '../support/gate-list.ts';
import { MESH_GATES } from './mesh-gates.ts';

declareGates('mesh', MESH_GATES);
