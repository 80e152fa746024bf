// The node suite against Node-RED 5.x (devDependency alias `node-red-5`), in its own process.
import { defineSuite } from './suite';

defineSuite('node-red-5');
