// Typed table columns. Element Plus types the row in an el-table-column's
// slots as DefaultRow (any property of any type) unless the column is made
// for a row type: columnOf<T>() is that column, so a slot's row is checked
// against the API's types like the rest of a screen.
import { ElTableColumn } from 'element-plus'
import 'element-plus/es/components/table-column/style/css'

export function columnOf<T extends Record<PropertyKey, unknown>>() {
  return ElTableColumn<T>
}
