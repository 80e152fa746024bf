// The node suite against Node-RED 4.1 (devDependency `node-red`).
import { defineSuite } from './suite';

defineSuite('node-red');
