"""Word lists for the demo data, weighted by how often they occur in Vietnam.

Surname shares are DOMAIN.md "Names" (Nguyễn 38.4 %, Trần 12.1 %, ...); the rest of the mass
goes to less common surnames. Given-name weights are Zipf-like ranks, not measured figures:
they only need a long tail so that two strangers rarely share surname + given + birth date.
All text is NFC in the traditional tone style (hòa, thúy, khỏe): the truth is canonical.
"""

from __future__ import annotations

# (surname, share %) from DOMAIN.md; "Hoàng/Huỳnh" and "Vũ/Võ" are split by region in people.py.
SURNAME_SHARES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.4),
    ("Trần", 12.1),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 5.1),
    ("Phan", 4.5),
    ("Vũ", 3.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
)
# The remaining ~10 % share, spread evenly (minor surnames).
MINOR_SURNAMES: tuple[str, ...] = (
    "Trịnh", "Đinh", "Lâm", "Mai", "Trương", "Đoàn", "Lương", "Cao", "Tạ", "Hà",
    "Tô", "Chu", "Lưu", "Kiều", "Thái", "La", "Quách", "Vương", "Phùng", "Tăng",
    "Triệu", "Doãn", "Âu", "Khổng", "Lò", "Nông", "Lục", "Thạch", "Giáp", "Văn",
)  # fmt: skip

# Middle names (DOMAIN.md: Văn male, Thị female, plus Hữu, Đức, Minh, Ngọc, Thanh, Quốc, Thu, Kim).
MIDDLE_MALE: tuple[tuple[str, float], ...] = (
    ("Văn", 40), ("Đức", 8), ("Hữu", 7), ("Minh", 7), ("Quốc", 5), ("Thanh", 5),
    ("Công", 4), ("Xuân", 3), ("Ngọc", 3), ("Đình", 4), ("Quang", 4), ("Trọng", 3),
    ("Hoàng", 2), ("Anh", 2), ("Gia", 1), ("Bảo", 1), ("Thế", 2), ("Mạnh", 1), ("Tiến", 1),
)  # fmt: skip
MIDDLE_FEMALE: tuple[tuple[str, float], ...] = (
    ("Thị", 55), ("Thu", 6), ("Ngọc", 6), ("Thanh", 5), ("Kim", 5), ("Minh", 3),
    ("Thùy", 3), ("Phương", 2), ("Bích", 2), ("Hồng", 3), ("Mỹ", 2), ("Hoài", 1),
    ("Diệu", 1), ("Khánh", 1), ("Ánh", 1), ("Thúy", 2), ("Bảo", 1), ("Quỳnh", 1),
)  # fmt: skip

# Given names, most frequent first (weights 1/rank^0.8). Includes the oa/oe/uy finals whose
# tone placement varies (Hòa, Thúy, Thủy, Khỏe...), DOMAIN.md "two tone-mark placements".
GIVEN_MALE: tuple[str, ...] = (
    "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Nam", "Thắng", "Hòa", "Sơn", "Long",
    "Cường", "Thành", "Trung", "Hiếu", "Đức", "Quang", "Hoàng", "Huy", "Phong", "Tùng",
    "Anh", "Bình", "Khoa", "Lâm", "Tâm", "Vinh", "Phúc", "Thịnh", "Tiến", "Toàn",
    "Việt", "Hưng", "Khánh", "Lợi", "Mạnh", "Nghĩa", "Quân", "Tài", "Thanh", "Thọ",
    "Trí", "Tú", "Vũ", "Bảo", "Chiến", "Công", "Cương", "Đạt", "Định", "Đông",
    "Giang", "Hà", "Hậu", "Hiển", "Hiệp", "Học", "Hợp", "Khải", "Kiên", "Lực",
    "Luân", "Nhân", "Ninh", "Phát", "Phú", "Phước", "Quý", "Quyết", "Sang", "Sinh",
    "Tân", "Thái", "Thiện", "Thông", "Thuận", "Thụy", "Tín", "Trọng", "Trường", "Tuyên",
    "Văn", "Vĩnh", "Xuân", "Yên", "An", "Ân", "Bắc", "Cảnh", "Chính", "Chung",
    "Danh", "Doanh", "Duy", "Dương", "Hạnh", "Hóa", "Hội", "Khang", "Khôi", "Kỳ",
    "Lạc", "Lãm", "Lập", "Luật", "Mão", "Ngọc", "Nguyên", "Nhật", "Pháp", "Quế",
    "Sáng", "Soái", "Tạo", "Thạch", "Thiêm", "Thuần", "Tịnh", "Toản", "Tuệ", "Tường",
    "Uy", "Viên", "Vượng", "Khỏe", "Thủy", "Túy", "Hoạt", "Loát", "Ngoạn", "Toại",
)  # fmt: skip
GIVEN_FEMALE: tuple[str, ...] = (
    "Hương", "Lan", "Hà", "Linh", "Trang", "Hằng", "Thảo", "Hoa", "Mai", "Ngọc",
    "Thúy", "Hạnh", "Nga", "Hiền", "Phương", "Thủy", "Dung", "Huyền", "Loan", "Yến",
    "Anh", "Vân", "Oanh", "Tuyết", "Liên", "Nhung", "Thu", "Hòa", "Hồng", "Chi",
    "Giang", "Hân", "Hậu", "Khánh", "Lệ", "Liễu", "Ly", "Mến", "My", "Nguyệt",
    "Nhàn", "Nhi", "Nhung", "Quyên", "Quỳnh", "Sen", "Tâm", "Thắm", "Thanh", "Thơ",
    "Thùy", "Thư", "Tình", "Trâm", "Uyên", "Vy", "Xuân", "Yên", "Ánh", "Bích",
    "Cúc", "Diệp", "Diệu", "Đào", "Điệp", "Gấm", "Hải", "Hiên", "Hoài", "Huệ",
    "Hường", "Kiều", "Lài", "Lành", "Lụa", "Mận", "Minh", "Na", "Nết", "Nhạn",
    "Nương", "Phượng", "Quế", "Sương", "Tâm", "Thêu", "Thoa", "Thoan", "Thục", "Thương",
    "Tươi", "Vui", "Xoan", "Duyên", "Đông", "Hảo", "Hoan", "Khuyên", "Loan", "Miên",
    "Ngân", "Ngoan", "Nhã", "Phúc", "Quyến", "Tiên", "Toan", "Trinh", "Tú", "Tuệ",
    "Thủy", "Túy", "Xòe", "Khỏe", "Hóa", "Lý", "Mỹ", "Nụ", "Thi", "Thỏa",
)  # fmt: skip

ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("Kinh", 85.3), ("Tày", 1.9), ("Thái", 1.9), ("Mường", 1.5), ("Khmer", 1.4),
    ("Hoa", 0.8), ("Nùng", 1.1), ("H'Mông", 1.5), ("Dao", 0.9), ("Gia Rai", 0.5),
    ("Ê Đê", 0.4), ("Ba Na", 0.3), ("Chăm", 0.2),
)  # fmt: skip
RELIGIONS: tuple[tuple[str, float], ...] = (
    ("Không", 80), ("Phật giáo", 9), ("Công giáo", 7), ("Cao Đài", 1.5), ("Phật giáo Hòa Hảo", 1.5),
    ("Tin lành", 1),
)  # fmt: skip

VILLAGE_NAMES: tuple[str, ...] = (
    "Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc", "Thôn Trung", "Thôn 1", "Thôn 2",
    "Thôn 3", "Thôn 4", "Xóm 1", "Xóm 2", "Xóm 5", "Thôn Đoài", "Thôn Thượng", "Thôn Hạ",
    "Thôn An Lạc", "Thôn Phú Mỹ", "Thôn Tân Lập", "Thôn Hòa Bình", "Thôn Yên Thái",
)  # fmt: skip
SOUTH_VILLAGE_NAMES: tuple[str, ...] = (
    "Ấp 1", "Ấp 2", "Ấp 3", "Ấp Bình Hòa", "Ấp Tân Thạnh", "Ấp Phú Lợi", "Ấp Mỹ Hòa",
    "Ấp Long Hưng", "Ấp Đông", "Ấp Tây",
)  # fmt: skip
WARD_GROUP_NAMES: tuple[str, ...] = tuple(f"Tổ dân phố {i}" for i in range(1, 13))

# Organisation facts: slug -> (title on sheet, list heading, branch word, join-date header).
ORGS: dict[str, tuple[str, str, str, str]] = {
    "hoi-phu-nu": ("HỘI LIÊN HIỆP PHỤ NỮ", "DANH SÁCH HỘI VIÊN", "Chi hội", "Năm vào Hội"),
    "doan-thanh-nien": ("ĐOÀN TNCS HỒ CHÍ MINH", "DANH SÁCH ĐOÀN VIÊN", "Chi đoàn", "Ngày vào Đoàn"),
    "hoi-nong-dan": ("HỘI NÔNG DÂN", "DANH SÁCH HỘI VIÊN", "Chi hội", "Năm vào Hội"),
    "hoi-cuu-chien-binh": ("HỘI CỰU CHIẾN BINH", "DANH SÁCH HỘI VIÊN", "Chi hội", "Năm vào Hội"),
    "cong-doan": ("CÔNG ĐOÀN CƠ SỞ", "DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN", "Tổ công đoàn", "Ngày vào CĐ"),
}
# Share of all member rows per org (roughly the 2026 ratios: Women's Union largest).
ORG_ROW_SHARES: dict[str, float] = {
    "hoi-phu-nu": 0.38,
    "doan-thanh-nien": 0.20,
    "hoi-nong-dan": 0.20,
    "hoi-cuu-chien-binh": 0.07,
    "cong-doan": 0.15,
}
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SIGNERS = ("NGƯỜI LẬP BIỂU", "CHỦ TỊCH", "BÍ THƯ", "TM. BAN CHẤP HÀNH")
